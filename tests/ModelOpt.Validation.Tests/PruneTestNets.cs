using ModelOpt.Engine.IR;
using ModelOpt.Engine.Onnx;

namespace ModelOpt.Validation.Tests;

/// <summary>
/// Small nets for the prune pass whose "dead" channels (all-zero filters, no bias, BN with zero
/// mean and shift) carry exactly zero everywhere, so removing them must leave the outputs unchanged:
/// any slicing at a wrong offset shows up as a different output.
/// </summary>
internal sealed class PruneTestNets(int seed)
{
    private readonly PassTestModels _values = new(seed);

    /// <summary>A conv weight [cout, cin/group, k, k] whose filters listed in <paramref name="dead"/> are zero.</summary>
    public Value ConvWeight(Graph g, string name, int cout, int cinPerGroup, int k, params int[] dead)
    {
        var w = _values.Values(cout * cinPerGroup * k * k);
        int per = cinPerGroup * k * k;
        foreach (int d in dead) Array.Clear(w, d * per, per);
        return g.AddInitializer(Tensor.FromFloats(name, [cout, cinPerGroup, k, k], w));
    }

    public Node Conv(Graph g, Value x, string name, int cout, int cin, int k, params int[] dead)
    {
        var conv = g.CreateNode("Conv", [x, ConvWeight(g, $"{name}.weight", cout, cin, k, dead)], name: name);
        conv.SetInts("kernel_shape", [k, k]);
        conv.SetInts("pads", [k / 2, k / 2, k / 2, k / 2]);
        return conv;
    }

    /// <summary>BatchNormalization that maps 0 to 0 (zero mean, zero shift) but scales the rest.</summary>
    public Node ZeroPreservingBatchNorm(Graph g, Value x, int channels, string name)
    {
        var scale = g.AddInitializer(Tensor.FromFloats($"{name}.scale", [channels], _values.Values(channels).Select(v => 1 + v).ToArray()));
        var zeros = new float[channels];
        var bias = g.AddInitializer(Tensor.FromFloats($"{name}.bias", [channels], zeros));
        var mean = g.AddInitializer(Tensor.FromFloats($"{name}.mean", [channels], zeros));
        var variance = g.AddInitializer(Tensor.FromFloats($"{name}.var", [channels], _values.Values(channels).Select(v => 0.6f + v).ToArray()));
        return g.CreateNode("BatchNormalization", [x, scale, bias, mean, variance], name: name);
    }

    public Value Constant(Graph g, string name, long[] dims) =>
        g.AddInitializer(Tensor.FromFloats(name, dims, _values.Values(dims.Aggregate(1L, (a, d) => a * d)).Select(v => v + 1f).ToArray()));

    public Value Weight(Graph g, string name, params long[] dims) => _values.Weight(g, name, dims);

    public static Model Empty(out Graph g, out Value x, int channels = 3, int size = 8, int opset = 17)
    {
        var model = Model.Create(opset: opset);
        g = model.Graph;
        x = g.AddInput("x", TensorProto.Types.DataType.Float, [1, channels, size, size]);
        return model;
    }
}
