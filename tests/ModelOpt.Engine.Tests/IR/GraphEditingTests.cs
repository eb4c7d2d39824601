using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Google.Protobuf;
using ModelOpt.Engine.IO;
using ModelOpt.Engine.IR;
using ModelOpt.Engine.Onnx;
using DataType = ModelOpt.Engine.Onnx.TensorProto.Types.DataType;

namespace ModelOpt.Engine.Tests.IR;

[TestClass]
public sealed class GraphEditingTests
{
    // x → Relu(a) → Neg(b) → Abs(c) → output
    private static (Model Model, Node A, Node B, Node C) Chain()
    {
        var model = Model.Create();
        var g = model.Graph;
        var x = g.AddInput("x", DataType.Float, [2, 3]);
        var a = g.CreateNode("Relu", [x], name: "a");
        var b = g.CreateNode("Neg", [a.Output(0)], name: "b");
        var c = g.CreateNode("Abs", [b.Output(0)], name: "c");
        c.Output(0).ElementType = DataType.Float;
        g.AddOutput(c.Output(0));
        return (model, a, b, c);
    }

    [TestMethod]
    public void ValuesKnowTheirProducerAndUses()
    {
        var (model, a, b, _) = Chain();
        var x = model.Graph.Inputs[0];
        Assert.IsNull(x.Producer);
        Assert.AreSame(a, x.Uses.Single().Node);
        Assert.AreEqual(0, x.Uses.Single().InputIndex);
        Assert.AreSame(a, a.Output(0).Producer);
        Assert.AreSame(b, a.Output(0).Uses.Single().Node);

        b.SetInput(0, x);
        Assert.AreEqual(0, a.Output(0).Uses.Count, "re-pointing an input drops the old use");
        Assert.AreEqual(2, x.Uses.Count);
    }

    [TestMethod]
    public void ReplaceAllUsesKeepsTheGraphOutputName()
    {
        var (model, _, b, c) = Chain();
        var g = model.Graph;
        string outputName = c.Output(0).Name;

        g.ReplaceAllUses(c.Output(0), b.Output(0));
        g.RemoveNode(c, force: true);

        Assert.AreSame(b.Output(0), g.Outputs.Single());
        Assert.AreEqual(outputName, b.Output(0).Name, "the model's interface keeps its name");
        Assert.AreEqual(DataType.Float, b.Output(0).ElementType);
        var saved = ModelWriter.ToProto(model);
        Assert.AreEqual(outputName, saved.Graph.Output.Single().Name);
        Assert.AreEqual(outputName, saved.Graph.Node.Last().Output.Single());
    }

    [TestMethod]
    public void RemovingANodeWhoseOutputIsReadIsRefusedUnlessForced()
    {
        var (model, a, b, _) = Chain();
        Assert.ThrowsExactly<InvalidOperationException>(() => model.Graph.RemoveNode(a));
        model.Graph.RemoveNode(b, force: true);
        Assert.AreEqual(0, a.Output(0).Uses.Count, "the removed node's input uses are gone");
        Assert.AreEqual(2, model.Graph.NodeCount);
    }

    [TestMethod]
    public void NodesCanBeRemovedAndInsertedWhileIterating()
    {
        var (model, a, _, c) = Chain();
        var g = model.Graph;
        var visited = new List<string>();
        foreach (var node in g.Nodes)
        {
            visited.Add(node.Name);
            if (node == a)
            {
                var b = g.FindNode("b")!;
                g.ReplaceAllUses(b.Output(0), a.Output(0));
                g.RemoveNode(b, force: true);
                g.CreateNode("Sigmoid", [a.Output(0)], name: "late", before: c);
            }
        }
        CollectionAssert.AreEqual(new[] { "a", "c" }, visited, "removed nodes are skipped; nodes inserted meanwhile are not visited");
        CollectionAssert.AreEqual(new[] { "a", "late", "c" }, g.Nodes.Select(n => n.Name).ToArray());
    }

    [TestMethod]
    public void NamesHandedOutAreUnique()
    {
        var (model, _, _, _) = Chain();
        var g = model.Graph;
        var n1 = g.CreateNode("Relu", [g.Inputs[0]], name: "a");
        var n2 = g.CreateNode("Relu", [g.Inputs[0]], name: "a");
        var names = g.Nodes.Select(n => n.Name).ToList();
        Assert.AreEqual(names.Count, names.Distinct().Count());
        Assert.AreNotEqual(n1.Output(0).Name, n2.Output(0).Name);
        var w = g.AddInitializer(Tensor.FromFloats("x", [1], [1f]));
        Assert.AreNotEqual("x", w.Name, "an initializer never takes an input's name");
    }

    [TestMethod]
    public void OutOfOrderNodesAreSortedStablyOnLoad()
    {
        var (model, _, _, _) = Chain();
        var proto = ModelWriter.ToProto(model);
        var reversed = proto.Graph.Node.Reverse().ToList();
        proto.Graph.Node.Clear();
        proto.Graph.Node.AddRange(reversed);

        var loaded = ModelLoader.FromProto(proto, "reversed.onnx", fromFile: false);

        CollectionAssert.AreEqual(new[] { "a", "b", "c" }, loaded.Graph.Nodes.Select(n => n.Name).ToArray());
    }

    [TestMethod]
    public void InitializersAreViewsOverTheParsedBytes()
    {
        var (model, a, _, _) = Chain();
        var w = model.Graph.AddInitializer(Tensor.FromFloats("w", [2, 3], [1, 2, 3, 4, 5, 6]));
        a.AddInput(w);
        var bytes = ModelWriter.ToProto(model).ToByteArray();

        var loaded = ModelLoader.Load(new MemoryStream(bytes), "m.onnx");
        var tensor = loaded.Graph.Initializers.Single().Initializer!;

        var proto = loaded.Graph.Initializers.Single().Initializer!;
        CollectionAssert.AreEqual(new float[] { 1, 2, 3, 4, 5, 6 }, tensor.ToFloats());
        var saved = ModelWriter.ToProto(loaded).Graph.Initializer.Single();
        Assert.IsTrue(Unsafe.AreSame(ref MemoryMarshal.GetReference(tensor.Bytes), ref MemoryMarshal.GetReference(saved.RawData.Span)),
            "the tensor's bytes are the parsed message's bytes: nothing was copied on load or save");
        Assert.AreSame(proto, tensor);
    }

    [TestMethod]
    public void SubgraphReadsOfOuterValuesCountAsUsesOfTheOwningNode()
    {
        var model = Model.Create();
        var g = model.Graph;
        var x = g.AddInput("x", DataType.Float, [2]);
        var cond = g.AddInput("cond", DataType.Bool, []);
        var relu = g.CreateNode("Relu", [x], name: "relu");
        var thenBranch = new GraphProto { Name = "then" };
        thenBranch.Node.Add(new NodeProto { OpType = "Neg", Name = "neg", Input = { relu.Output(0).Name }, Output = { "t" } });
        thenBranch.Output.Add(new ValueInfoProto { Name = "t", Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = 1 } } });
        var elseBranch = new GraphProto { Name = "else" };
        elseBranch.Node.Add(new NodeProto { OpType = "Abs", Name = "abs", Input = { relu.Output(0).Name }, Output = { "e" } });
        elseBranch.Output.Add(new ValueInfoProto { Name = "e", Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = 1 } } });
        var ifNode = g.CreateNode("If", [cond], name: "if");
        ifNode.SetAttribute(new AttributeProto { Name = "then_branch", Type = AttributeProto.Types.AttributeType.Graph, G = thenBranch });
        ifNode.SetAttribute(new AttributeProto { Name = "else_branch", Type = AttributeProto.Types.AttributeType.Graph, G = elseBranch });
        ifNode.Output(0).ElementType = DataType.Float;
        g.AddOutput(ifNode.Output(0));

        var loaded = ModelLoader.FromProto(ModelWriter.ToProto(model), "if.onnx", fromFile: false);
        var reluOut = loaded.Graph.FindNode("relu")!.Output(0);
        var loadedIf = loaded.Graph.FindNode("if")!;

        Assert.IsTrue(reluOut.Uses.Any(u => u.Node == loadedIf && u.InputIndex == -1), "the If reads relu's output from inside its branches");
        Assert.AreEqual(2, loadedIf.Subgraphs.Count);
        Assert.AreSame(reluOut, loadedIf.Subgraphs["then_branch"].Nodes.Single().Input(0));
        Assert.ThrowsExactly<InvalidOperationException>(() => loaded.Graph.RemoveNode(loaded.Graph.FindNode("relu")!), "a value read only inside a subgraph is still in use");
    }
}
