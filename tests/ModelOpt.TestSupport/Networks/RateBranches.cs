using ModelOpt.Engine.Onnx;
using static ModelOpt.TestSupport.ProtoBuilders;
using DataType = ModelOpt.Engine.Onnx.TensorProto.Types.DataType;

namespace ModelOpt.TestSupport.Networks;

/// <summary>
/// Two Ifs on one scalar int64 <c>sr</c> (16 kHz or not), built to exercise branch inlining: the
/// first If's then branch computes MatMul + Relu into a value named <c>tmp</c>; the second's then
/// branch also names its Sigmoid output <c>tmp</c> (legal: sibling scopes) and returns a copy of the
/// graph input <c>x</c> as its second output (ONNX Runtime refuses an outer value returned directly,
/// and mishandles one value returned twice: the second output then reads freed memory). Outputs:
/// <c>y</c> = b + c and <c>c</c>, both [1, 4].
/// </summary>
public static class RateBranches
{
    public static ModelProto Build(int seed = 11)
    {
        var random = new Random(seed);
        var g = new GraphProto { Name = "rate_branches" };
        g.Input.Add(TensorInfo("x", DataType.Float, 1, 4));
        g.Input.Add(TensorInfo("sr", DataType.Int64));
        g.Initializer.Add(Int64Tensor("rate16k", [], [16000]));
        g.Initializer.Add(FloatTensor("w", [4, 4], RandomFloats(random, 16, 0.8f)));
        g.Node.Add(Node("Equal", ["sr", "rate16k"], ["is16k"], "is16k"));

        var then1 = new GraphProto { Name = "first_then" };
        then1.Node.Add(Node("MatMul", ["x", "w"], ["tmp"], "first_mm"));
        then1.Node.Add(Node("Relu", ["tmp"], ["a_then"], "first_relu"));
        then1.Output.Add(TensorInfo("a_then", DataType.Float, 1, 4));
        var else1 = new GraphProto { Name = "first_else" };
        else1.Node.Add(Node("Neg", ["x"], ["a_else"], "first_neg"));
        else1.Output.Add(TensorInfo("a_else", DataType.Float, 1, 4));
        var first = Node("If", ["is16k"], ["a"], "first");
        first.Attribute.Add(GraphAttribute("then_branch", then1));
        first.Attribute.Add(GraphAttribute("else_branch", else1));
        g.Node.Add(first);

        var then2 = new GraphProto { Name = "second_then" };
        then2.Node.Add(Node("Sigmoid", ["a"], ["tmp"], "second_sigmoid"));
        // ONNX Runtime refuses a branch that returns an outer value directly: it goes through an Identity.
        then2.Node.Add(Node("Identity", ["x"], ["x_copy"], "second_copy"));
        then2.Output.Add(TensorInfo("tmp", DataType.Float, 1, 4));
        then2.Output.Add(TensorInfo("x_copy", DataType.Float, 1, 4));
        var else2 = new GraphProto { Name = "second_else" };
        else2.Node.Add(Node("Abs", ["a"], ["b_else"], "second_abs"));
        else2.Node.Add(Node("Neg", ["b_else"], ["c_else"], "second_neg"));
        else2.Output.Add(TensorInfo("b_else", DataType.Float, 1, 4));
        else2.Output.Add(TensorInfo("c_else", DataType.Float, 1, 4));
        var second = Node("If", ["is16k"], ["b", "c"], "second");
        second.Attribute.Add(GraphAttribute("then_branch", then2));
        second.Attribute.Add(GraphAttribute("else_branch", else2));
        g.Node.Add(second);

        g.Node.Add(Node("Add", ["b", "c"], ["y"], "sum"));
        g.Output.Add(TensorInfo("y", DataType.Float, 1, 4));
        g.Output.Add(TensorInfo("c", DataType.Float, 1, 4));
        return ModelAround(g, opset: 17);
    }

    public static string Write(string path, int seed = 11)
    {
        File.WriteAllBytes(path, Google.Protobuf.MessageExtensions.ToByteArray(Build(seed)));
        return path;
    }
}
