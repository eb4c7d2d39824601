using ModelOpt.Engine.Diagnostics;
using ModelOpt.Engine.IR;
using ModelOpt.Engine.Plan;

namespace ModelOpt.Engine.Passes.Quantize;

/// <summary>
/// Static int8 replayed from a plan (a lock file): the recorded ranges stand in for calibration,
/// and the recorded scales and zero points are written as they are, hand edits included once they
/// are valid. A tensor the plan quantizes but the record lacks, or one the record names that the
/// model does not have, is an error naming the lock: the lock no longer describes this model.
/// </summary>
internal static class RecordedQuantization
{
    public static Dictionary<string, TensorRange> Ranges(QuantizationPlan recorded, Graph graph, IReadOnlyList<string> needed, string source)
    {
        var values = graph.AllNodes().SelectMany(n => n.Inputs.Concat(n.Outputs)).Where(v => v is not null).Select(v => v!.Name)
            .Concat(graph.Inputs.Select(v => v.Name)).ToHashSet(StringComparer.Ordinal);
        var errors = new List<ModelOptError>();
        var ranges = new Dictionary<string, TensorRange>(StringComparer.Ordinal);
        foreach (var t in recorded.Tensors)
        {
            if (!values.Contains(t.Tensor))
                errors.Add(new(ErrorCode.InvalidLockFile, source, 0, 0, $"the lock quantizes the tensor '{t.Tensor}', which the model does not have at the quantize pass; the lock was made for another model or pass list."));
            else if (!ranges.TryAdd(t.Tensor, new TensorRange(t.Min, t.Max)))
                errors.Add(new(ErrorCode.InvalidLockFile, source, 0, 0, $"the lock gives the tensor '{t.Tensor}' twice; keep one."));
        }
        foreach (var name in needed)
            if (!ranges.ContainsKey(name) && values.Contains(name))
                errors.Add(new(ErrorCode.InvalidLockFile, source, 0, 0, $"the plan quantizes the tensor '{name}', but the lock records no range for it; delete the lock to search and calibrate again."));
        if (errors.Count > 0) throw new ModelOptException(errors);
        return ranges;
    }

    /// <summary>Writes the recorded scale and zero point over what the ranges gave, except where a Mul/Add is absorbed (its parameters follow from the range).</summary>
    public static void Apply(QuantizationPlan recorded, Dictionary<Value, QuantParams> parameters, IEnumerable<Value> absorbed, bool signed, string source)
    {
        var byName = recorded.Tensors.ToDictionary(t => t.Tensor, StringComparer.Ordinal);
        var skip = absorbed.ToHashSet();
        var (low, high) = signed ? (-128, 127) : (0, 255);
        foreach (var value in parameters.Keys.ToList())
        {
            if (skip.Contains(value) || !byName.TryGetValue(value.Name, out var t)) continue;
            if (!(t.Scale > 0) || !float.IsFinite(t.Scale))
                throw new ModelOptException(ErrorCode.InvalidLockFile, source, $"the tensor '{t.Tensor}' has scale {t.Scale}; a scale must be a positive finite number.");
            if (t.ZeroPoint < low || t.ZeroPoint > high)
                throw new ModelOptException(ErrorCode.InvalidLockFile, source, $"the tensor '{t.Tensor}' has zero point {t.ZeroPoint}, outside [{low}, {high}] for {(signed ? "int8" : "uint8")} activations.");
            parameters[value] = new QuantParams(t.Scale, t.ZeroPoint);
        }
    }
}
