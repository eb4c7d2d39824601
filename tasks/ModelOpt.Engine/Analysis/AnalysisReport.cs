using ModelOpt.Engine.IR;

namespace ModelOpt.Engine.Analysis;

/// <summary>A model input as analyze reports it: its bound shape (after --shape and batch defaults).</summary>
public sealed record InputSpec(string Name, string Shape, string Type);

/// <summary>
/// What one node costs. MACs and FLOPs are null when the op is unknown to the cost model or a shape
/// it needs is unknown; <see cref="Note"/> then says which (and marks nodes inside subgraphs).
/// </summary>
public sealed record NodeCost(
    string Name,
    string OpType,
    string Domain,
    long? Macs,
    long? Flops,
    long Parameters,
    long WeightBytes,
    long ActivationBytes,
    IReadOnlyList<string> OutputShapes,
    ShapeSource ShapeSource,
    bool IsKnownOp,
    string? Note = null);

public sealed record AnalysisTotals(
    long Parameters,
    long Macs,
    long Flops,
    long WeightBytes,
    long ActivationBytes,
    double EstimatedSeconds,
    double DeviceFlops,
    double? MeasuredMedianSeconds = null,
    double? MeasuredP90Seconds = null,
    string? MeasuredUnder = null);

/// <summary>How many values got their shapes from where (declared, inferred, runtime, …).</summary>
public sealed record ShapeProvenance(int Declared, int Bound, int Inferred, int Runtime, int Unknown);

/// <summary>The result of analyzing a model: the figures behind <c>dotnet model-opt analyze</c>.</summary>
public sealed record AnalysisReport(
    string Model,
    IReadOnlyList<InputSpec> Inputs,
    AnalysisTotals Totals,
    IReadOnlyList<NodeCost> Nodes,
    IReadOnlyList<string> UnknownOps,
    ShapeProvenance Shapes,
    IReadOnlyList<string> Notes);

/// <summary>
/// Fills in shapes static inference could not: implemented by ModelOpt.Validation, which runs the
/// model once in ONNX Runtime with intermediate values exposed as outputs. The engine knows nothing
/// of ONNX Runtime; it only calls this.
/// </summary>
public interface IRuntimeShapeProvider
{
    /// <summary>
    /// Runs <paramref name="model"/> on synthetic inputs of the given shapes and returns the
    /// observed element type and shape of every value it could observe, by value name.
    /// </summary>
    IReadOnlyDictionary<string, (Onnx.TensorProto.Types.DataType Type, TensorShape Shape)> Observe(
        IR.Model model, IReadOnlyDictionary<string, TensorShape> inputShapes);
}
