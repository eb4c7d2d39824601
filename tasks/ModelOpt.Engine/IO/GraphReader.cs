using ModelOpt.Engine.Diagnostics;
using ModelOpt.Engine.IR;
using ModelOpt.Engine.Onnx;
using DataType = ModelOpt.Engine.Onnx.TensorProto.Types.DataType;

namespace ModelOpt.Engine.IO;

/// <summary>Turns a <see cref="GraphProto"/> into a linked <see cref="Graph"/>, checking that it is well formed.</summary>
internal sealed class GraphReader(Model model, string file)
{
    public Graph Read(GraphProto proto, Graph? parent, Node? owner)
    {
        var nodes = proto.Node.ToArray();
        var inputs = proto.Input.ToArray();
        var outputs = proto.Output.ToArray();
        var initializers = proto.Initializer.ToArray();
        var valueInfos = proto.ValueInfo.ToArray();
        proto.Node.Clear();
        proto.Input.Clear();
        proto.Output.Clear();
        proto.Initializer.Clear();
        proto.ValueInfo.Clear();

        var graph = new Graph(proto, model, parent, owner);
        string where = parent is null ? "the main graph" : $"subgraph '{proto.Name}' of {owner}";

        foreach (var info in inputs)
        {
            var v = graph.FindLocalValue(info.Name) ?? graph.DefineValue(info.Name);
            ApplyDeclaration(v, info);
            graph.AddInputValue(v);
        }

        foreach (var init in initializers)
        {
            var v = graph.FindLocalValue(init.Name);
            if (v is not null && !v.IsGraphInput)
                throw Invalid(ErrorCode.GraphInvalid, $"{where} defines initializer '{init.Name}' twice.");
            v ??= graph.DefineValue(init.Name);
            v.Initializer = Tensor.FromProto(init, ExternalDataLocations.Resolve(init, model.BaseDirectory, file));
            if (v.Shape is null)
            {
                v.ElementType = (DataType)init.DataType;
                v.Shape = TensorShape.Of(init.Dims.ToArray());
                v.ShapeSource = ShapeSource.Declared;
            }
            graph.AddInitializerValue(v);
        }

        // Nodes first with their outputs, then inputs, so a file whose nodes are out of order
        // still links; the topological sort below puts them right or finds a cycle.
        var created = new List<Node>(nodes.Length);
        foreach (var np in nodes)
        {
            var node = new Node(np, graph);
            if (np.Name.Length > 0) model.NodeNames.Reserve(np.Name);
            foreach (var outName in np.Output)
            {
                if (outName.Length == 0)
                {
                    node.AddOutput(null);
                    continue;
                }
                if (graph.FindLocalValue(outName) is { } existing && (existing.Producer is not null || existing.IsGraphInput || existing.Initializer is not null))
                    throw Invalid(ErrorCode.GraphInvalid, $"value '{outName}' in {where} is produced twice (by {node} and by {Describe(existing)}).");
                node.AddOutput(graph.FindLocalValue(outName) ?? graph.DefineValue(outName));
            }
            graph.Append(node);
            created.Add(node);
        }

        foreach (var node in created)
        {
            var names = node.Proto.Input.ToArray();
            node.Proto.Input.Clear();
            node.Proto.Output.Clear();
            foreach (var name in names)
            {
                if (name.Length == 0)
                {
                    node.AddInput(null);
                    continue;
                }
                node.AddInput(Resolve(graph, name, node, where));
            }
            ReadSubgraphs(node);
        }

        foreach (var info in valueInfos)
        {
            if (graph.FindLocalValue(info.Name) is { } v) ApplyDeclaration(v, info);
            else graph.DefineValue(info.Name).Declaration = info; // kept so it is written back
        }

        foreach (var info in outputs)
        {
            var v = graph.FindLocalValue(info.Name) ?? (parent is not null ? graph.FindValue(info.Name) : null)
                ?? throw Invalid(ErrorCode.GraphHasDanglingInput, $"graph output '{info.Name}' of {where} is not produced by any node, input or initializer.");
            ApplyDeclaration(v, info);
            graph.AddOutput(v);
        }

        var cycle = graph.SortTopologically();
        if (cycle.Count > 0)
        {
            string names = string.Join(", ", cycle.Take(5).Select(n => $"{n.OpType} '{n.Name}'"));
            throw Invalid(ErrorCode.GraphHasCycle, $"{where} has a cycle through {cycle.Count} node(s): {names}{(cycle.Count > 5 ? ", …" : "")}.");
        }
        return graph;
    }

    private Value Resolve(Graph graph, string name, Node reader, string where)
    {
        if (graph.FindLocalValue(name) is { } local && (local.Producer is not null || local.IsGraphInput || local.Initializer is not null))
            return local;
        for (var g = graph.Parent; g is not null; g = g.Parent)
        {
            if (g.FindLocalValue(name) is { } outer)
            {
                for (var s = graph; !ReferenceEquals(s, g); s = s.Parent!) s.RecordOuterRead(outer);
                return outer;
            }
        }
        throw Invalid(ErrorCode.GraphHasDanglingInput, $"input '{name}' of {reader} in {where} is not produced by any node, graph input or initializer.");
    }

    private void ReadSubgraphs(Node node)
    {
        foreach (var attr in node.Proto.Attribute)
        {
            if (attr.G is not null)
            {
                var sub = Read(attr.G, node.Owner, node);
                node.AddSubgraph(attr.Name, sub);
                attr.G = null;
            }
            for (int i = 0; i < attr.Graphs.Count; i++)
                node.AddSubgraph($"{attr.Name}[{i}]", Read(attr.Graphs[i], node.Owner, node));
            if (attr.Graphs.Count > 0) attr.Graphs.Clear();
        }
        // The owning node reads, implicitly, every outer value its subgraphs read.
        foreach (var v in node.ImplicitInputs) v.AddUse(node, -1);
    }

    private static void ApplyDeclaration(Value v, ValueInfoProto info)
    {
        v.Declaration = info;
        if (info.Type?.TensorType is not { } tt) return;
        v.ElementType = (DataType)tt.ElemType;
        if (tt.Shape is null) return;
        v.Shape = new TensorShape(tt.Shape.Dim.Select(d =>
            d.ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue && d.DimValue >= 0
                ? Dim.Of(d.DimValue)
                : Dim.Unknown(d.ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimParam ? d.DimParam : null)));
        v.ShapeSource = ShapeSource.Declared;
    }

    private static string Describe(Value v) => v.Producer is { } p ? p.ToString() : v.IsGraphInput ? "a graph input" : "an initializer";

    private ModelOptException Invalid(ErrorCode code, string message) => new(code, file, message);
}
