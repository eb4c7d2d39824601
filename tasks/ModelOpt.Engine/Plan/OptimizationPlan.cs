using System.Text.Json.Nodes;

namespace ModelOpt.Engine.Plan;

/// <summary>
/// What one run decided, typed: the passes in order, each layer's setting where a choice was made
/// (the search's rank, prune ratio, int8 or float), the quantization it computed (calibration rule,
/// every quantized tensor's range, scale and zero point) and the CPU the int8 weights were made
/// for. The search and a plain <c>--passes</c> run both produce one; passes consume it; the lock
/// file is its serialized form (<see cref="LockFile"/>).
/// </summary>
public sealed record OptimizationPlan(IReadOnlyList<string> Passes, IReadOnlyList<NodeDecision> Nodes, QuantizationPlan? Quantization, DeployCpu DeployCpu)
{
    /// <summary>A plan with no per-layer choices: every pass on every layer its settings allow.</summary>
    public static OptimizationPlan Of(IReadOnlyList<string> passes, DeployCpu cpu) => new(passes, [], null, cpu);

    /// <summary>
    /// Pass sections the plan was chosen with beyond the user's own (the automatic plan's dynamic
    /// int8 is <c>{ "quantize": { "mode": "dynamic" } }</c>), laid over them on replay; null: none.
    /// </summary>
    public JsonObject? Settings { get; init; }

    /// <summary>Chosen by the accuracy-aware search: replayed with the samples split as the search split them (calibration from its share, budgets on the rest).</summary>
    public bool Searched { get; init; }
}

/// <summary>
/// One layer's setting for one pass: <see cref="Settings"/> laid over the pass's own, or null to
/// leave the layer as it is (a layer kept float). <see cref="Label"/> says it in words (<c>int8</c>,
/// <c>rank 8</c>, <c>float</c>). An empty <see cref="Node"/> stands for the unnamed nodes.
/// </summary>
public sealed record NodeDecision(string Node, string Pass, JsonObject? Settings, string Label);

/// <summary>
/// Static int8 as computed: the calibration rule used, whether the weights are pair-safe, and per
/// quantized tensor the calibrated range and the scale and zero point written. Replayed, no
/// calibration runs: the ranges decide the graph's shape and the scales and zero points are written as given.
/// </summary>
public sealed record QuantizationPlan(string Calibration, bool PairSafeWeights, IReadOnlyList<QuantizedTensor> Tensors);

/// <summary>One quantized activation: its calibrated range and the scale and zero point of its QuantizeLinear.</summary>
public sealed record QuantizedTensor(string Tensor, float Min, float Max, float Scale, int ZeroPoint);
