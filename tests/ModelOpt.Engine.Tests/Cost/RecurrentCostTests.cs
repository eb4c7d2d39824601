using ModelOpt.Engine.Analysis;
using ModelOpt.Engine.IR;
using ModelOpt.Engine.Tests.Shapes;

namespace ModelOpt.Engine.Tests.Cost;

/// <summary>
/// LSTM, GRU and RNN against counts made by hand from the ONNX operator definitions (one matrix
/// product per gate for X and for H, then the element-wise gate math of docs/flops.md).
/// </summary>
[TestClass]
public sealed class RecurrentCostTests
{
    private static NodeCost CostOf(OpHarness h, Node node) =>
        ModelAnalyzer.Analyze(h.Model, new AnalysisOptions { DeviceFlops = 1e9 }).Nodes.Single(n => n.Name == node.Name);

    [TestMethod]
    public void BidirectionalLstmWithBiasCountsEveryGateStepAndDirection()
    {
        var h = new OpHarness();
        // X: 5 steps, batch 2, 16 features; H = 8, two directions.
        var lstm = h.Op("LSTM", 3, h.Input("x", 5, 2, 16), h.Weight(2, 32, 16), h.Weight(2, 32, 8), h.Weight(2, 64));
        lstm.SetInt("hidden_size", 8);
        lstm.SetString("direction", "bidirectional");

        var cost = CostOf(h, lstm);

        // Per step, batch item and direction: W is 32×16 (512 MACs), R is 32×8 (256 MACs).
        // 5 steps × 2 items × 2 directions = 20 → 20 × 768.
        Assert.AreEqual(15_360L, cost.Macs);
        // 2 × 15,360 plus, for each of the 20 × 8 = 160 hidden units: 4 sums + 8 bias adds +
        // 3 sigmoids × 4 + 2 tanh × 5 + 3 (cell update) + 1 (output) = 38.
        Assert.AreEqual(30_720L + 160 * 38, cost.Flops);
        Assert.AreEqual(2L * 32 * 16 + 2 * 32 * 8 + 2 * 64, cost.Parameters);
        Assert.AreEqual("5x2x2x8", lstm.Outputs[0]!.Shape!.ToString());
        Assert.AreEqual("2x2x8", lstm.Outputs[1]!.Shape!.ToString());
        Assert.AreEqual("2x2x8", lstm.Outputs[2]!.Shape!.ToString());
    }

    [TestMethod]
    public void WeightsStoredInAnotherLayoutCountForTheLayerThatReadsThem()
    {
        // PyTorch's export of an LSTM cell: W and R as 2-D tensors, unsqueezed in the graph, the
        // bias as two halves concatenated. The parameters are the LSTM's, counted once.
        var h = new OpHarness(opset: 13);
        var w = h.Op("Unsqueeze", h.Weight(32, 16), h.Ints(0)).Outputs[0];
        var r = h.Op("Unsqueeze", h.Weight(32, 8), h.Ints(0)).Outputs[0];
        var halves = h.Op("Concat", h.Weight(32), h.Weight(32));
        halves.SetInt("axis", 0);
        var b = h.Op("Unsqueeze", halves.Outputs[0], h.Ints(0)).Outputs[0];
        var lstm = h.Op("LSTM", 3, h.Input("x", 5, 1, 16), w, r, b);
        lstm.SetInt("hidden_size", 8);

        var report = ModelAnalyzer.Analyze(h.Model, new AnalysisOptions { DeviceFlops = 1e9 });

        long expected = 32 * 16 + 32 * 8 + 2 * 32;
        Assert.AreEqual(expected, report.Nodes.Single(n => n.Name == lstm.Name).Parameters);
        Assert.AreEqual(expected, report.Nodes.Sum(n => n.Parameters));
    }

    [TestMethod]
    public void AConstantJoinedToARunTimeValueStaysAParameterOfTheJoin()
    {
        // A class token concatenated to the patch embeddings: nothing downstream reads it as a
        // stored weight, so the Concat keeps it.
        var h = new OpHarness();
        var join = h.Op("Concat", h.Weight(1, 1, 8), h.Input("x", 1, 4, 8));
        join.SetInt("axis", 1);

        var report = ModelAnalyzer.Analyze(h.Model, new AnalysisOptions { DeviceFlops = 1e9 });

        Assert.AreEqual(8L, report.Nodes.Single(n => n.Name == join.Name).Parameters);
    }

    [TestMethod]
    public void BatchFirstGruWithoutBiasTakesItsHiddenSizeFromR()
    {
        var h = new OpHarness();
        // layout 1: X is [batch 1, 3 steps, 10 features]; no hidden_size attribute: R says H = 4.
        var gru = h.Op("GRU", 2, h.Input("x", 1, 3, 10), h.Weight(1, 12, 10), h.Weight(1, 12, 4));
        gru.SetInt("layout", 1);

        var cost = CostOf(h, gru);

        // 3 steps: W 12×10 = 120 and R 12×4 = 48 MACs each.
        Assert.AreEqual(3L * 168, cost.Macs);
        // 12 hidden units × (3 sums + 1 reset product + 2 sigmoids × 4 + tanh 5 + 4 blend) = 12 × 21.
        Assert.AreEqual(2L * 504 + 12 * 21, cost.Flops);
        Assert.AreEqual("1x3x1x4", gru.Outputs[0]!.Shape!.ToString());
        Assert.AreEqual("1x1x4", gru.Outputs[1]!.Shape!.ToString());
    }

    [TestMethod]
    public void SimpleRnnWithBias()
    {
        var h = new OpHarness();
        var rnn = h.Op("RNN", 2, h.Input("x", 2, 1, 3), h.Weight(1, 5, 3), h.Weight(1, 5, 5), h.Weight(1, 10));
        rnn.SetInt("hidden_size", 5);

        var cost = CostOf(h, rnn);

        // 2 steps × (5×3 + 5×5) MACs.
        Assert.AreEqual(80L, cost.Macs);
        // 10 hidden units × (1 sum + 2 bias adds + tanh 5).
        Assert.AreEqual(160L + 10 * 8, cost.Flops);
    }

    [TestMethod]
    public void AnUnknownSequenceLengthLeavesTheCostUnknownNotZero()
    {
        var h = new OpHarness();
        var x = h.SymbolicInput("x", Onnx.TensorProto.Types.DataType.Float, "1", "seq", "16");
        var lstm = h.Op("LSTM", 3, x, h.Weight(1, 32, 16), h.Weight(1, 32, 8));
        lstm.SetInt("hidden_size", 8);
        lstm.SetInt("layout", 1);

        var cost = CostOf(h, lstm);

        Assert.IsNull(cost.Macs);
        Assert.IsNotNull(cost.Note);
        Assert.AreEqual("1x8", string.Join("x", lstm.Outputs[1]!.Shape!.Dims.Skip(1).Select(d => d.Value)));
    }
}
