using ModelOpt.Engine.Onnx;
using static ModelOpt.TestSupport.ProtoBuilders;
using DataType = ModelOpt.Engine.Onnx.TensorProto.Types.DataType;

namespace ModelOpt.TestSupport.Networks;

/// <summary>
/// A miniature of Silero VAD's structure: a scalar int64 <c>sr</c> selecting an If branch
/// (16 kHz: one 8×4 MatMul, 32 MACs; else: 8×8 then 8×4, 96 MACs), an LSTM (input 4, hidden 4)
/// whose initial h and c come from a <c>state</c> input [2, 1, 4] and whose final ones leave as
/// <c>stateN</c>, and a sigmoid output [1, 4]. Seeded weights: the same model on every run.
/// </summary>
public static class StreamingVad
{
    public const long HiddenSize = 4;

    public static ModelProto Build(int seed = 7)
    {
        var random = new Random(seed);
        var g = new GraphProto { Name = "streaming_vad" };
        g.Input.Add(TensorInfo("input", DataType.Float, 1, 8));
        g.Input.Add(TensorInfo("state", DataType.Float, 2, 1, HiddenSize));
        g.Input.Add(TensorInfo("sr", DataType.Int64));
        g.Initializer.Add(Int64Tensor("rate16k", [], [16000]));
        g.Initializer.Add(FloatTensor("w16k", [8, 4], RandomFloats(random, 32, 0.5f)));
        g.Initializer.Add(FloatTensor("w8k_a", [8, 8], RandomFloats(random, 64, 0.5f)));
        g.Initializer.Add(FloatTensor("w8k_b", [8, 4], RandomFloats(random, 32, 0.5f)));
        g.Initializer.Add(FloatTensor("lstm_w", [1, 4 * HiddenSize, 4], RandomFloats(random, 64, 0.5f)));
        g.Initializer.Add(FloatTensor("lstm_r", [1, 4 * HiddenSize, HiddenSize], RandomFloats(random, 64, 0.5f)));
        g.Initializer.Add(FloatTensor("lstm_b", [1, 8 * HiddenSize], RandomFloats(random, 32, 0.1f)));
        g.Initializer.Add(Int64Tensor("axis0", [1], [0]));
        g.Initializer.Add(Int64Tensor("split_sizes", [2], [1, 1]));
        g.Initializer.Add(Int64Tensor("out_shape", [2], [1, HiddenSize]));

        g.Node.Add(Node("Equal", ["sr", "rate16k"], ["is16k"]));
        var then = new GraphProto { Name = "then_branch" };
        then.Node.Add(Node("MatMul", ["input", "w16k"], ["features_then"], "mm16k"));
        then.Output.Add(TensorInfo("features_then", DataType.Float, 1, 4));
        var @else = new GraphProto { Name = "else_branch" };
        @else.Node.Add(Node("MatMul", ["input", "w8k_a"], ["hidden8k"], "mm8k_a"));
        @else.Node.Add(Node("MatMul", ["hidden8k", "w8k_b"], ["features_else"], "mm8k_b"));
        @else.Output.Add(TensorInfo("features_else", DataType.Float, 1, 4));
        var branch = Node("If", ["is16k"], ["features"], "by_rate");
        branch.Attribute.Add(GraphAttribute("then_branch", then));
        branch.Attribute.Add(GraphAttribute("else_branch", @else));
        g.Node.Add(branch);

        g.Node.Add(Node("Unsqueeze", ["features", "axis0"], ["sequence"]));
        var split = Node("Split", ["state", "split_sizes"], ["h0", "c0"]);
        split.Attribute.Add(IntAttribute("axis", 0));
        g.Node.Add(split);
        var lstm = Node("LSTM", ["sequence", "lstm_w", "lstm_r", "lstm_b", "", "h0", "c0"], ["y", "h1", "c1"], "rnn");
        lstm.Attribute.Add(IntAttribute("hidden_size", HiddenSize));
        g.Node.Add(lstm);
        var concat = Node("Concat", ["h1", "c1"], ["stateN"]);
        concat.Attribute.Add(IntAttribute("axis", 0));
        g.Node.Add(concat);
        g.Node.Add(Node("Reshape", ["h1", "out_shape"], ["h_flat"]));
        g.Node.Add(Node("Sigmoid", ["h_flat"], ["output"]));
        g.Output.Add(TensorInfo("output", DataType.Float, 1, HiddenSize));
        g.Output.Add(TensorInfo("stateN", DataType.Float, 2, 1, HiddenSize));
        return ModelAround(g, opset: 17);
    }

    /// <summary>Writes the model to <paramref name="path"/> and returns the path.</summary>
    public static string Write(string path, int seed = 7)
    {
        File.WriteAllBytes(path, Google.Protobuf.MessageExtensions.ToByteArray(Build(seed)));
        return path;
    }
}
