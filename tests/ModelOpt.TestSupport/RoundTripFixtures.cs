using Google.Protobuf;
using ModelOpt.Engine.IO;
using ModelOpt.Engine.IR;
using ModelOpt.Engine.Onnx;
using static ModelOpt.TestSupport.ProtoBuilders;
using DataType = ModelOpt.Engine.Onnx.TensorProto.Types.DataType;

namespace ModelOpt.TestSupport;

/// <summary>
/// Small generated models that together cover what a lossless load/save must keep: common layers,
/// Shape chains, Constant nodes, If subgraphs that read outer values, model-local functions with
/// metadata, and fields unknown to the reader. All inputs have fixed shapes.
/// </summary>
public static class RoundTripFixtures
{
    /// <summary>Field number used for the unknown field planted in a NodeProto.</summary>
    public const int UnknownFieldNumber = 999;

    public static IReadOnlyList<(string Name, Func<ModelProto> Build)> All { get; } =
    [
        ("conv_bn_shape_gemm", ConvBatchNormShapeChainGemm),
        ("if_outer_values", IfReadingOuterValues),
        ("local_function_unknown_field", LocalFunctionWithUnknownField),
    ];

    /// <summary>Conv → BatchNormalization → Relu → Reshape (target from a Shape→Gather→Unsqueeze→Concat chain) → Gemm → MatMul, built with the IR.</summary>
    public static ModelProto ConvBatchNormShapeChainGemm()
    {
        var random = new Random(11);
        var model = Model.Create(opset: 17, irVersion: 8, producer: "ModelOpt.TestSupport");
        var g = model.Graph;
        var x = g.AddInput("x", DataType.Float, [1, 3, 8, 8]);
        var w = g.AddInitializer(Tensor.FromFloats("conv_w", [4, 3, 3, 3], RandomFloats(random, 108)));
        var b = g.AddInitializer(Tensor.FromFloats("conv_b", [4], RandomFloats(random, 4)));
        var conv = g.CreateNode("Conv", [x, w, b], name: "conv");
        conv.SetInts("kernel_shape", [3, 3]);
        conv.SetInts("pads", [1, 1, 1, 1]);

        var scale = g.AddInitializer(Tensor.FromFloats("bn_scale", [4], RandomFloats(random, 4)));
        var bias = g.AddInitializer(Tensor.FromFloats("bn_bias", [4], RandomFloats(random, 4)));
        var mean = g.AddInitializer(Tensor.FromFloats("bn_mean", [4], RandomFloats(random, 4)));
        var variance = g.AddInitializer(Tensor.FromFloats("bn_var", [4], RandomFloats(random, 4).Select(v => v * v + 0.5f).ToArray()));
        var bn = g.CreateNode("BatchNormalization", [conv.Output(), scale, bias, mean, variance], name: "bn");
        bn.SetFloat("epsilon", 1e-5f);
        var relu = g.CreateNode("Relu", [bn.Output()], name: "relu");

        var shape = g.CreateNode("Shape", [relu.Output()], name: "shape");
        var index = g.CreateNode("Constant", [], name: "batch_index");
        index.SetAttribute(TensorAttribute("value", Int64Tensor("batch_index_value", [], [0])));
        var gather = g.CreateNode("Gather", [shape.Output(), index.Output()], name: "gather_batch");
        gather.SetInt("axis", 0);
        var axes = g.AddInitializer(Tensor.FromInt64s("unsqueeze_axes", [1], [0]));
        var unsqueeze = g.CreateNode("Unsqueeze", [gather.Output(), axes], name: "unsqueeze_batch");
        var rest = g.CreateNode("Constant", [], name: "rest");
        rest.SetInts("value_ints", [-1]);
        var target = g.CreateNode("Concat", [unsqueeze.Output(), rest.Output()], name: "target_shape");
        target.SetInt("axis", 0);
        var flat = g.CreateNode("Reshape", [relu.Output(), target.Output()], name: "flatten");

        var gw = g.AddInitializer(Tensor.FromFloats("gemm_w", [10, 256], RandomFloats(random, 2560, 0.1f)));
        var gc = g.AddInitializer(Tensor.FromFloats("gemm_c", [10], RandomFloats(random, 10)));
        var gemm = g.CreateNode("Gemm", [flat.Output(), gw, gc], name: "gemm");
        gemm.SetInt("transB", 1);
        gemm.SetFloat("alpha", 0.5f);
        var mw = g.AddInitializer(Tensor.FromFloats("matmul_w", [10, 5], RandomFloats(random, 50)));
        var matmul = g.CreateNode("MatMul", [gemm.Output(), mw], name: "matmul");
        var y = matmul.Output();
        y.ElementType = DataType.Float;
        y.Shape = TensorShape.Of(1, 5);
        g.AddOutput(y);

        var proto = ModelWriter.ToProto(model);
        proto.DocString = "conv/bn/gemm fixture";
        proto.MetadataProps.Add(new StringStringEntryProto { Key = "author", Value = "ModelOpt tests" });
        return proto;
    }

    /// <summary>An If whose branches read a graph input and an initializer of the enclosing graph.</summary>
    public static ModelProto IfReadingOuterValues()
    {
        var thenBranch = new GraphProto { Name = "then_branch" };
        thenBranch.Node.Add(Node("Add", ["x", "offset"], ["then_out"], "then_add"));
        thenBranch.Output.Add(TensorInfo("then_out", DataType.Float, 2, 3));

        var elseBranch = new GraphProto { Name = "else_branch" };
        elseBranch.Initializer.Add(FloatTensor("else_scale", [1], [3f]));
        elseBranch.Node.Add(Node("Mul", ["x", "else_scale"], ["else_mul"], "else_mul"));
        elseBranch.Node.Add(Node("Sub", ["else_mul", "offset"], ["else_out"], "else_sub"));
        elseBranch.Output.Add(TensorInfo("else_out", DataType.Float, 2, 3));

        var graph = new GraphProto { Name = "if_main", DocString = "graph doc" };
        graph.Input.Add(TensorInfo("x", DataType.Float, 2, 3));
        graph.Input.Add(TensorInfo("flag", DataType.Float, 1));
        graph.Initializer.Add(FloatTensor("offset", [3], [0.25f, -1f, 2f]));
        graph.Initializer.Add(FloatTensor("zero", [1], [0f]));
        graph.Node.Add(Node("Greater", ["flag", "zero"], ["flag_positive"], "greater"));
        graph.Node.Add(Node("Squeeze", ["flag_positive"], ["cond"], "squeeze_cond"));
        var ifNode = Node("If", ["cond"], ["branch_out"], "if");
        ifNode.Attribute.Add(GraphAttribute("then_branch", thenBranch));
        ifNode.Attribute.Add(GraphAttribute("else_branch", elseBranch));
        graph.Node.Add(ifNode);
        graph.Node.Add(Node("Relu", ["branch_out"], ["y"], "relu"));
        graph.Output.Add(TensorInfo("y", DataType.Float, 2, 3));
        graph.ValueInfo.Add(TensorInfo("branch_out", DataType.Float, 2, 3));
        return ModelAround(graph);
    }

    /// <summary>A model-local function (with doc string and metadata) called from the graph, and a node carrying an unknown field.</summary>
    public static ModelProto LocalFunctionWithUnknownField()
    {
        var function = new FunctionProto { Name = "AddThenScale", Domain = "modelopt.test", DocString = "(a + b) * a" };
        function.Input.Add("a");
        function.Input.Add("b");
        function.Output.Add("c");
        function.Node.Add(Node("Add", ["a", "b"], ["sum"], "fn_add"));
        function.Node.Add(Node("Mul", ["sum", "a"], ["c"], "fn_mul"));
        function.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 17 });
        function.MetadataProps.Add(new StringStringEntryProto { Key = "origin", Value = "fixture" });

        var graph = new GraphProto { Name = "function_main" };
        graph.Input.Add(TensorInfo("p", DataType.Float, 4));
        graph.Input.Add(TensorInfo("q", DataType.Float, 4));
        graph.Node.Add(Node("AddThenScale", ["p", "q"], ["r"], "call_fn", "modelopt.test"));
        var tanh = Node("Tanh", ["r"], ["s"], "tanh");
        tanh.DocString = "node doc string";
        tanh.MetadataProps.Add(new StringStringEntryProto { Key = "note", Value = "kept" });
        graph.Node.Add(WithUnknownField(tanh, UnknownFieldNumber, 4242));
        graph.Output.Add(TensorInfo("s", DataType.Float, 4));

        var model = ModelAround(graph, opset: 17, irVersion: 10);
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "modelopt.test", Version = 1 });
        model.Functions.Add(function);
        model.ProducerVersion = "1.2.3";
        model.Domain = "ai.modelopt.tests";
        model.ModelVersion = 7;
        model.DocString = "function fixture";
        model.MetadataProps.Add(new StringStringEntryProto { Key = "license", Value = "MIT" });
        return model;
    }

    /// <summary>Writes <paramref name="proto"/> to <paramref name="path"/> (fixtures are loaded from files like real models).</summary>
    public static string Write(ModelProto proto, string path)
    {
        File.WriteAllBytes(path, proto.ToByteArray());
        return path;
    }
}
