using ModelOpt.Engine.IR;
using ModelOpt.Engine.Onnx;

namespace ModelOpt.TestSupport;

/// <summary>Small models with trained-looking random weights for pass tests.</summary>
public sealed class PassTestModels(int seed)
{
    private readonly Random _random = new(seed);

    public float[] Values(long count, float scale = 0.5f) =>
        Enumerable.Range(0, (int)count).Select(_ => (float)(_random.NextDouble() * 2 - 1) * scale).ToArray();

    public Value Weight(Graph g, string name, params long[] dims) =>
        g.AddInitializer(Tensor.FromFloats(name, dims, Values(dims.Aggregate(1L, (a, d) => a * d))));

    /// <summary>Adds BatchNormalization with positive variances and non-trivial statistics.</summary>
    public Node BatchNorm(Graph g, Value x, int channels, string name)
    {
        var scale = g.AddInitializer(Tensor.FromFloats($"{name}.scale", [channels], Values(channels).Select(v => 1 + v).ToArray()));
        var bias = g.AddInitializer(Tensor.FromFloats($"{name}.bias", [channels], Values(channels)));
        var mean = g.AddInitializer(Tensor.FromFloats($"{name}.mean", [channels], Values(channels)));
        var variance = g.AddInitializer(Tensor.FromFloats($"{name}.var", [channels], Values(channels).Select(v => 0.6f + v).ToArray()));
        var bn = g.CreateNode("BatchNormalization", [x, scale, bias, mean, variance], name: name);
        bn.SetFloat("epsilon", 1e-3f);
        return bn;
    }

    public static void DeclareOutput(Graph g, Value v)
    {
        v.ElementType = TensorProto.Types.DataType.Float;
        g.AddOutput(v);
    }
}
