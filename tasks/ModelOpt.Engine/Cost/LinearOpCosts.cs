using ModelOpt.Engine.Shapes.Rules;

namespace ModelOpt.Engine.Cost;

/// <summary>
/// Ops built from multiply-accumulates. Bias additions are not counted (the convention most
/// papers and the seed article use), so FLOPs = 2·MACs exactly.
/// </summary>
internal static class LinearOpCosts
{
    /// <summary>Conv: every output element takes (Cin/group)·Kh·Kw MACs, which is the weight's size after its first dimension.</summary>
    public static OpCost Conv(CostContext c, int weightInput) =>
        OpCost.FromMacs(c.OutElements() * LinearMacs.PerOutputElement(c.In(weightInput)));

    /// <summary>ConvTranspose: every input element is scattered through (Cout/group)·Kh·Kw weights.</summary>
    public static OpCost ConvTranspose(CostContext c) =>
        OpCost.FromMacs(c.InElements(0) * CostContext.Product(c.In(1).Skip(1)));

    /// <summary>Gemm: M·N outputs, K MACs each.</summary>
    public static OpCost Gemm(CostContext c)
    {
        long[] a = c.In(0);
        long k = c.Node.GetInt("transA", 0) != 0 ? a[0] : a[1];
        return OpCost.FromMacs(c.OutElements() * k);
    }

    /// <summary>MatMul: batch·M·N outputs, K MACs each (K is A's last dimension, or its only one).</summary>
    public static OpCost MatMul(CostContext c, int aInput) => OpCost.FromMacs(c.OutElements() * c.In(aInput)[^1]);

    /// <summary>
    /// Einsum: a contraction costs one MAC per point of the full index space (the product of every
    /// letter's size); a single operand without summation is a pure permutation.
    /// </summary>
    public static OpCost Einsum(CostContext c)
    {
        var equation = EinsumEquation.Parse(c.Node.GetString("equation", ""), c.Node.Inputs.Count);
        if (equation.Inputs.Length == 1 && !equation.ContractedLetters.Any()) return OpCost.Zero;
        var sizes = new Dictionary<char, long>();
        long ellipsis = 1;
        for (int i = 0; i < equation.Inputs.Length; i++)
        {
            long[] shape = c.In(i);
            string term = equation.Inputs[i];
            int ellipsisRank = shape.Length - term.Replace(".", "").Length;
            int axis = 0;
            foreach (char ch in term)
            {
                if (ch == '.')
                {
                    ellipsis = Math.Max(ellipsis, CostContext.Product(shape.Skip(axis).Take(ellipsisRank)));
                    axis += ellipsisRank;
                    continue;
                }
                sizes[ch] = Math.Max(sizes.GetValueOrDefault(ch, 1), shape[axis++]);
            }
        }
        return OpCost.FromMacs(ellipsis * CostContext.Product(sizes.Values));
    }
}
