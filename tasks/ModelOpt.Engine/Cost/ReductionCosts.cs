namespace ModelOpt.Engine.Cost;

/// <summary>Pooling and reductions.</summary>
internal static class ReductionCosts
{
    /// <summary>
    /// Windowed pooling: one FLOP per output element. This is the seed article's rule (it treats a
    /// pooled value as one operation); a stricter count would be kernel-size comparisons per output.
    /// </summary>
    public static OpCost Pool(CostContext c) => OpCost.FromFlops(c.OutElements());

    /// <summary>Global pooling reads every input element once.</summary>
    public static OpCost GlobalPool(CostContext c) => OpCost.FromFlops(c.InElements(0));

    /// <summary>Reductions touch each input element once (twice for sums of squares and log-sum-exp).</summary>
    public static OpCost Reduce(CostContext c) =>
        OpCost.FromFlops(c.InElements(0) * (c.Node.OpType is "ReduceL2" or "ReduceSumSquare" or "ReduceLogSumExp" ? 2 : 1));

    /// <summary>ArgMax/ArgMin and TopK: one comparison per input element (TopK's heap work is ignored).</summary>
    public static OpCost Compare(CostContext c) => OpCost.FromFlops(c.InElements(0));
}
