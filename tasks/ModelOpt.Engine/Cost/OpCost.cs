namespace ModelOpt.Engine.Cost;

/// <summary>The arithmetic one node does: multiply-accumulates and floating-point operations.</summary>
public readonly record struct OpCost(long Macs, long Flops)
{
    public static OpCost Zero => new(0, 0);

    /// <summary>Multiply-accumulate ops (Conv, Gemm, MatMul): FLOPs = 2·MACs.</summary>
    public static OpCost FromMacs(long macs) => new(macs, 2 * macs);

    public static OpCost FromFlops(long flops) => new(0, flops);
}
