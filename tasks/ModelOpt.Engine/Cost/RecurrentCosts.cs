namespace ModelOpt.Engine.Cost;

/// <summary>
/// LSTM, GRU and RNN (docs/flops.md, "Recurrent layers"). Every step, batch item and direction
/// multiplies the input (I) and the previous hidden state (H) by every gate's weights:
/// G·H·(I + H) MACs, with G = 4 (LSTM), 3 (GRU), 1 (RNN). The element-wise work per hidden unit
/// and step (adding the two products, biases, gate activations, state update) is counted as FLOPs
/// on top of 2·MACs, with the default activations; <c>sequence_lens</c> is not read: every
/// sequence is counted at the full length.
/// </summary>
internal static class RecurrentCosts
{
    public static OpCost Compute(CostContext c)
    {
        long[] x = c.In(0);
        bool batchFirst = c.Node.GetInt("layout", 0) != 0;
        long seq = batchFirst ? x[1] : x[0], batch = batchFirst ? x[0] : x[1], input = x[2];
        long dirs = c.Node.GetString("direction", "forward") == "bidirectional" ? 2 : 1;
        long hidden = c.Node.GetInt("hidden_size", 0);
        if (hidden <= 0) hidden = c.In(2)[2];
        bool bias = c.Node.Input(3) is not null;
        bool peephole = c.Node.OpType == "LSTM" && c.Node.Input(7) is not null;
        long units = seq * batch * dirs * hidden;
        long macs = units * Gates(c.Node.OpType) * (input + hidden);
        return new OpCost(macs, 2 * macs + units * ElementwisePerUnit(c.Node.OpType, bias, peephole));
    }

    public static int Gates(string opType) => opType switch { "LSTM" => 4, "GRU" => 3, _ => 1 };

    /// <summary>
    /// Per hidden unit and step. LSTM: 4 sums of the two products, 3 sigmoids (4 each), 2 tanh (5
    /// each), c = f·c + i·g (3), h = o·tanh(c) (1) = 30; biases Wb + Rb add 8, peepholes 6 (3 mul + 3 add).
    /// GRU: 3 sums, r·(…) (1), 2 sigmoids (8), 1 tanh (5), h = (1 − z)·h̃ + z·h (4) = 21; biases add 6.
    /// RNN: 1 sum, 1 tanh (5) = 6; biases add 2.
    /// </summary>
    public static long ElementwisePerUnit(string opType, bool bias, bool peephole) => opType switch
    {
        "LSTM" => 30 + (bias ? 8 : 0) + (peephole ? 6 : 0),
        "GRU" => 21 + (bias ? 6 : 0),
        _ => 6 + (bias ? 2 : 0),
    };
}
