namespace ModelOpt.Engine.Cost;

/// <summary>
/// MACs of a layer with weights (Conv, Gemm, MatMul), the one count the cost model, the sensitivity
/// profile and pruning share: every output element takes one MAC per weight element of its output
/// channel, so a layer costs output positions × weight elements (a grouped conv's weight already
/// holds only Cin/group per output channel). Bias additions are not counted.
/// </summary>
internal static class LinearMacs
{
    /// <summary>MACs per output element of a weight whose first axis is the output channel (a conv's [Cout, Cin/group, Kh, Kw]).</summary>
    public static long PerOutputElement(IEnumerable<long> weightDims) => CostContext.Product(weightDims.Skip(1));

    /// <summary>MACs of <paramref name="positions"/> output positions through every weight element.</summary>
    public static long Of(long positions, IEnumerable<long> weightDims) => positions * CostContext.Product(weightDims);

    /// <summary>The same in double, for costs summed over fractional positions or large layers.</summary>
    public static double Of(double positions, IEnumerable<long> weightDims) => positions * weightDims.Aggregate(1.0, (a, d) => a * d);
}
