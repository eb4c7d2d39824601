using ModelOpt.Engine.Config;
using ModelOpt.Engine.Diagnostics;
using ModelOpt.Validation.Comparison;

namespace ModelOpt.Validation.Tests;

/// <summary>What an output is taken for: the documented rule (docs/validation.md, "Output kinds") and the user's word over it.</summary>
[TestClass]
public sealed class OutputKindRuleTests
{
    private static OutputKind Kind(string name, long[] shape, double[] values, bool integer = false, bool labels = false) =>
        OutputKindRule.Detect(name, shape, values, integer, labels).Kind;

    private static double[] Softmax(int rows, int classes)
    {
        var random = new Random(1);
        var values = new double[rows * classes];
        for (int r = 0; r < rows; r++)
        {
            double sum = 0;
            for (int c = 0; c < classes; c++) sum += values[r * classes + c] = Math.Exp(random.NextDouble() * 4);
            for (int c = 0; c < classes; c++) values[r * classes + c] /= sum;
        }
        return values;
    }

    private static double[] Signed(int count) => Enumerable.Range(0, count).Select(i => Math.Sin(i * 1.7) * 3).ToArray();

    [TestMethod]
    public void ClassScoresHaveAClassAxis()
    {
        Assert.AreEqual(OutputKind.Classes, Kind("output", [2, 10], Softmax(2, 10)), "probabilities");
        Assert.AreEqual(OutputKind.Classes, Kind("output", [2, 10], Signed(20)), "logits: signed scores");
        Assert.AreEqual(OutputKind.Classes, Kind("scores", [1, 4420, 2], Softmax(4420, 2)), "a detector's per-anchor class probabilities");
        Assert.AreEqual(OutputKind.Classes, Kind("y", [1, 40, 97], Signed(40 * 97)), "a sequence of class scores (CTC)");
        Assert.AreEqual(OutputKind.Classes, Kind("y", [2, 3], Enumerable.Repeat(0.5, 6).ToArray(), labels: true), "the first output when labels are given");
    }

    [TestMethod]
    public void FeatureVectorsMasksAndBoxesHaveNone()
    {
        Assert.AreEqual(OutputKind.Features, Kind("resnetv17_pool1_fwd", [1, 2048], Enumerable.Repeat(0.3, 2048).ToArray()), "by name");
        Assert.AreEqual(OutputKind.Features, Kind("y", [1, 2048], Enumerable.Range(0, 2048).Select(i => i % 7 * 0.1).ToArray()), "pooled ReLU features: no negative value");
        var unit = Signed(384);
        double norm = Math.Sqrt(unit.Sum(v => v * v));
        Assert.AreEqual(OutputKind.Features, Kind("y", [1, 384], unit.Select(v => v / norm).ToArray()), "an embedding of unit length");
        Assert.AreEqual(OutputKind.Features, Kind("last_hidden_state", [1, 64, 384], Signed(64 * 384)), "a transformer's hidden states");
        Assert.AreEqual(OutputKind.Mask, Kind("y", [1, 1, 32, 32], new double[1024]));
        Assert.AreEqual(OutputKind.Mask, Kind("scores", [1, 256, 256, 1], new double[65536]), "an NHWC score map (M-LSD)");
        Assert.AreEqual(OutputKind.Classes, Kind("y", [1, 512, 1, 1], Signed(512)), "a pooled NCHW vector is no map");
        Assert.AreEqual(OutputKind.Regression, Kind("boxes", [1, 4420, 4], Signed(4420 * 4)), "by name");
        Assert.AreEqual(OutputKind.Regression, Kind("y", [1, 100, 4], Signed(400)), "four values per row");
        Assert.AreEqual(OutputKind.Regression, Kind("y", [2, 1], Signed(2)), "one value per sample");
        Assert.AreEqual(OutputKind.Regression, Kind("y", [2, 10], Signed(20), integer: true), "integers");
    }

    [TestMethod]
    public void ADetectorsPerAnchorScoresAreAMaskAndItsPerAnchorRowsRegressions()
    {
        // BlazeFace: [1, 512, 1] score logits and [1, 512, 16] boxes and keypoints per anchor.
        long[] scores = [1, 512, 1], rows = [1, 512, 16];
        Assert.AreEqual(OutputKind.Mask, Kind("Identity:0", scores, Signed(512)), "one score per anchor: its side of the threshold");
        Assert.AreEqual(OutputKind.Regression, OutputKindRule.Detect("Identity_2:0", rows, Signed(512 * 16), false, false, [scores, [1, 384, 1]]).Kind, "rows beside one score per anchor");
        // The same rows without a score per anchor beside them stay classes (a sequence of 16 class scores).
        Assert.AreEqual(OutputKind.Classes, OutputKindRule.Detect("y", rows, Signed(512 * 16), false, false, [[1, 384, 1], [1, 512, 2]]).Kind);
        Assert.AreEqual(OutputKind.Mask, Kind("vad", [1, 100, 1], Enumerable.Range(0, 100).Select(i => i % 10 * 0.1).ToArray()), "a probability per frame");
    }

    [TestMethod]
    public void StateAndTanhPooledVectorsAreFeatures()
    {
        // Silero VAD's LSTM state [2, 1, 128] fed back to the next frame, whatever its name or shape.
        Assert.AreEqual(OutputKind.Features, OutputKindRule.Detect("hn", [2, 1, 128], Signed(256), false, false, fedBack: true).Kind);
        Assert.AreEqual(OutputKind.Features, Kind("stateN", [2, 1, 128], Signed(256)), "by name");
        // A BERT pooler output: tanh of a dense layer, 384 entries within (−1, 1).
        var tanh = Signed(384).Select(Math.Tanh).ToArray();
        Assert.AreEqual(OutputKind.Features, Kind("924", [1, 384], tanh));
        Assert.AreEqual(OutputKind.Classes, Kind("logits", [1, 10], tanh), "ten weak logits stay classes");
    }

    [TestMethod]
    public void TheUserSaysWhatAnOutputIsInEachFrontEndsWords()
    {
        var given = OutputKinds.Parse(["boxes=regression,scores=classes", "emb=features"]);
        Assert.AreEqual(OutputKind.Regression, given.For("boxes"));
        Assert.AreEqual(OutputKind.Classes, given.For("scores"));
        Assert.AreEqual(OutputKind.Features, given.For("emb"));
        Assert.IsNull(given.For("other"));
        var bad = Assert.ThrowsExactly<ModelOptException>(() => OutputKinds.Parse(["boxes=squares"]));
        Assert.AreEqual(ErrorCode.InvalidArgument, bad.Code);
        StringAssert.Contains(bad.Message, "classes, mask, features, regression");

        var config = OptimizeConfig.Parse("""{ "outputKinds": { "boxes": "regression" } }""");
        Assert.AreEqual(OutputKind.Regression, config.OutputKinds.For("boxes"));
        Assert.AreEqual(OutputKind.Classes, config.OutputKinds.With(OutputKinds.Parse(["boxes=classes"])).For("boxes"), "the command line wins");
        var badConfig = Assert.ThrowsExactly<ModelOptException>(() => OptimizeConfig.Parse("""{ "outputKinds": { "boxes": "squares" } }"""));
        Assert.AreEqual(ErrorCode.InvalidConfig, badConfig.Code);
    }
}
