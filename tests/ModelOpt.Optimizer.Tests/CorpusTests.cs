using ModelOpt.Engine.Analysis;
using ModelOpt.Engine.IO;
using ModelOpt.Engine.Shapes;
using ModelOpt.TestSupport;
using ModelOpt.Validation.Comparison;
using ModelOpt.Validation.Data;
using ModelOpt.Optimizer;

namespace ModelOpt.Optimizer.Tests;

/// <summary>
/// The real-model corpus of eng/fetch-corpus.sh (an opset-8 CNN, a transformer encoder with int64
/// inputs, an NHWC dense predictor, two tiny NHWC face detectors), each as a user brings it with its
/// real samples: every op counted, its answers on its samples what the model is for (so the
/// samples are prepared as the model expects), and a lossless rewrite judged on those samples.
/// Under CI a missing model fails. Kept cheap: a few samples per model.
/// </summary>
[TestClass]
public sealed class CorpusTests
{
    public static IEnumerable<object[]> Names => ModelCorpus.Names;

    [TestMethod]
    [DynamicData(nameof(Names))]
    public void AnalyzeCountsEveryOp(string name)
    {
        var m = ModelCorpus.Require(name);
        var report = ModelAnalyzer.Analyze(ModelLoader.Load(m.ModelPath), new AnalysisOptions
        {
            DeviceFlops = 1e9,
            Bindings = ShapeBindings.Parse(m.Shapes, []),
            RuntimeShapes = new RuntimeShapeProvider(),
        });
        Assert.IsEmpty(report.UnknownOps, string.Join(", ", report.UnknownOps));
        Assert.IsTrue(report.Nodes.All(n => n.Macs is not null), "uncounted: " + string.Join(", ", report.Nodes.Where(n => n.Macs is null).Take(5).Select(n => $"{n.Name} ({n.Note})")));
        Assert.IsGreaterThan(10_000_000L, report.Totals.Macs);
    }

    [TestMethod]
    public void ResNet18FeaturesPutTheAnimalsTogether()
    {
        // No classifier head: a 512-d feature vector after ReLU and average pooling. Prepared as
        // ML.NET prepares it (BGR minus the mean image), the cat lies nearer the baboon than a building.
        var f = Outputs("resnet18-opset8", "07-chelsea", "15-baboon", "01-building");
        Assert.IsTrue(f.Values.All(o => o[0].All(v => v >= 0 && float.IsFinite(v))), "pooled ReLU features are finite and non-negative");
        float[] cat = f["07-chelsea"][0], baboon = f["15-baboon"][0], building = f["01-building"][0];
        Assert.IsGreaterThan(Cosine(cat, building), Cosine(cat, baboon));
    }

    [TestMethod]
    public void MiniLmEmbedsSentencesOnTheSameTopicNearer()
    {
        var m = ModelCorpus.Require("minilm-l6");
        var sentences = File.ReadAllLines(Path.Combine(m.Folder, "sentences.txt"));
        int Find(string words) => Array.FindIndex(sentences, s => s.Contains(words, StringComparison.Ordinal)) is var i and >= 0 ? i : throw new AssertFailedException($"no sentence with '{words}'");
        // Two sentences about patents and one about copies of the source: mean-pooled token states.
        int[] picked = [Find("threatened constantly by software patents"), Find("patents to restrict development"), Find("receive or can get the source code")];
        string Sample(int i) => i.ToString("D3", System.Globalization.CultureInfo.InvariantCulture);
        var outputs = Outputs("minilm-l6", picked.Select(Sample).ToArray());
        var embeddings = picked.Select(p => MeanPool(outputs[Sample(p)][0], Mask(m, p))).ToArray();
        Assert.IsGreaterThan(Cosine(embeddings[0], embeddings[2]), Cosine(embeddings[0], embeddings[1]));
    }

    [TestMethod]
    public void MlsdScoresLinesOnABuildingAndNoneOnACat()
    {
        var o = Outputs("mlsd-tiny-512", "01-building", "07-chelsea");
        float[] building = o["01-building"][1], cat = o["07-chelsea"][1];
        Assert.IsGreaterThan(50, building.Count(s => s > 0.2f), "a building's edges are line segments");
        Assert.IsLessThan(0.2f, cat.Max());
    }

    [TestMethod]
    [DataRow("blazeface-back-256")]
    [DataRow("blazeface-front-128")]
    public void BlazeFaceFindsTheFacesAndNoneOnABuilding(string name)
    {
        // Outputs 0 and 1 are anchor score logits: above 0 is a face (sigmoid above 0.5).
        var o = Outputs(name, "03a-face-crop", "06a-face-crop", "18a-face-crop", "01-building");
        float Best(string sample) => Math.Max(o[sample][0].Max(), o[sample][1].Max());
        foreach (string face in new[] { "03a-face-crop", "06a-face-crop", "18a-face-crop" }) Assert.IsGreaterThan(0f, Best(face), face);
        Assert.IsLessThan(0f, Best("01-building"));
    }

    [TestMethod]
    [DynamicData(nameof(Names))]
    public void FreezeIsLosslessOnTheRealSamples(string name)
    {
        // The engine's rewrite judged on real samples by the comparison the tool uses, without its
        // latency runs (20 a model), which would cost a minute on ResNet-18 and M-LSD alone.
        var m = ModelCorpus.Require(name);
        var bindings = ShapeBindings.Parse(m.Shapes, []);
        var candidate = CandidateBuilder.Build(m.ModelPath, Engine.Config.OptimizeConfig.Empty, [new Engine.Passes.Freeze.FreezePass()], bindings, calibration: null);
        var source = ModelLoader.Load(m.ModelPath);
        Assert.IsTrue(candidate.Model.Graph.NodeCount <= source.Graph.NodeCount, "freeze never adds nodes");
        using var folder = new TempFolder();
        string samples = Subset(m, folder, 4);
        using var set = SampleSet.FromFolder(samples, source);
        using var original = OrtModelRunner.FromFile(m.ModelPath);
        using var frozen = OrtModelRunner.FromModel(candidate.Model);
        var comparison = ModelComparer.Compare(original, frozen, set, labels: null, new ComparisonSettings { LatencyRuns = 0, BatchSize = 1 });
        Assert.AreEqual(4, comparison.Samples);
        Assert.IsFalse(comparison.Synthetic);
        Assert.IsGreaterThan(0.9999, comparison.MinCosine, $"freeze only folds and fuses: {comparison.MinCosine}");
        // What each output is taken for (docs/validation.md, "Output kinds"), as its application reads it.
        Assert.AreEqual(Kinds[name], string.Join(", ", comparison.Outputs.Select(o => $"{o.Name} {o.Kind.ToString().ToLowerInvariant()}")));
    }

    private static readonly Dictionary<string, string> Kinds = new()
    {
        ["resnet18-opset8"] = "Pooling395_Output_0 features",
        // The pooler output (tanh of a dense layer) is an embedding too.
        ["minilm-l6"] = "last_hidden_state features, 924 features",
        // An NHWC score map and the segment offsets at each of its pixels.
        ["mlsd-tiny-512"] = "offsets regression, scores mask",
        // Two anchor grids: one score logit per anchor, and its box and six keypoints.
        ["blazeface-back-256"] = "Identity:0 mask, Identity_1:0 mask, Identity_2:0 regression, Identity_3:0 regression",
        ["blazeface-front-128"] = "Identity:0 mask, Identity_1:0 mask, Identity_2:0 regression, Identity_3:0 regression",
    };

    [TestMethod]
    public void TheAutomaticPlanWritesAFasterOrSmallerModelWithinTheFloorOrSaysWhy()
    {
        // The cheapest corpus model as a user brings it: `optimize MODEL --data DIR` and nothing else,
        // on 8 of its photos. Only the time limit is shorter than the default, to keep CI fast: the
        // searches are then left out with a line saying so, and the whole-model plans each get one
        // validation, on real samples.
        var m = ModelCorpus.Require("blazeface-front-128");
        using var folder = new TempFolder();
        string samples = Subset(m, folder, 8);
        var result = OptimizeJob.Run(new OptimizeOptions
        {
            ModelPath = m.ModelPath,
            OutputPath = folder.File("out.onnx"),
            DataPath = samples,
            SearchTime = TimeSpan.FromSeconds(20),
        });

        _ = ModelLoader.Load(result.OutputPath);
        string all = string.Join("\n", result.Notes.Concat(result.Warnings.Select(w => w.Message)));
        foreach (string plan in new[] { "freeze", "fp16", "share-weights", AutoPlan.StaticPlanName })
            StringAssert.Contains(all, $"{plan}: ", $"no word on plan '{plan}':\n{all}");
        // The whole-model plans fit in the time (the last may not, on a loaded machine).
        Assert.IsFalse(all.Contains("freeze: not tried", StringComparison.Ordinal) || all.Contains("fp16: not tried", StringComparison.Ordinal), all);
        var chose = result.Notes.SingleOrDefault(l => l.StartsWith("automatic plan: chose ", StringComparison.Ordinal));
        var nothing = result.Warnings.Where(w => w.Code == Engine.Diagnostics.WarningCode.NoGain && w.Message.StartsWith("automatic plan: nothing paid", StringComparison.Ordinal)).ToList();
        Assert.IsTrue(chose is not null ^ nothing.Count == 1, $"either a plan is chosen or one line says why none paid:\n{all}");
        if (chose is null)
        {
            Assert.AreEqual(result.SourceBytes, result.OutputBytes, 1024, "nothing paid: the original is written");
                    return;
        }
        // Faster beyond the noise, or a tenth smaller and no slower; and within the floor on every sample.
        bool forSpeed = chose.Contains("(faster: ", StringComparison.Ordinal), forSize = chose.Contains("(for its size: ", StringComparison.Ordinal);
        Assert.IsTrue(forSpeed ^ forSize, $"the line says why the plan was chosen: {chose}");
        Assert.IsTrue(forSpeed || result.OutputBytes <= result.SourceBytes * 0.9, chose);
        Assert.IsTrue(result.OutputBytes <= result.SourceBytes || !chose.Contains("slower", StringComparison.Ordinal), chose);
        var comparison = result.Validation?.Comparison;
        Assert.IsTrue(comparison is { Samples: > 0, Synthetic: false }, "judged on the real samples (all of them, or a search's unseen third)");
        Assert.IsGreaterThanOrEqualTo(FidelityFloor.MinCosine, comparison!.MinCosine, chose);
    }

    // The model's outputs on the named samples (files or per-sample folders under samples/), by sample name.
    private static Dictionary<string, float[][]> Outputs(string name, params string[] sampleNames)
    {
        var m = ModelCorpus.Require(name);
        using var folder = new TempFolder();
        foreach (string sample in sampleNames) Copy(m, sample, folder.Path);
        var model = ModelLoader.Load(m.ModelPath);
        using var samples = SampleSet.FromFolder(folder.Path, model);
        Assert.AreEqual(sampleNames.Length, samples.Count);
        using var runner = OrtModelRunner.FromFile(m.ModelPath);
        // The folder is read in name order.
        var ordered = sampleNames.Order(StringComparer.Ordinal).ToList();
        return samples.Batches(1).Select((batch, i) => (ordered[i], runner.Run(batch).Select(t => t.ToFloats()).ToArray())).ToDictionary(p => p.Item1, p => p.Item2);
    }

    private static string Subset(CorpusModel m, TempFolder folder, int count)
    {
        string target = Path.Combine(folder.Path, "samples");
        Directory.CreateDirectory(target);
        foreach (string entry in Directory.EnumerateFileSystemEntries(m.SamplesPath).Order(StringComparer.Ordinal).Take(count))
            Copy(m, Path.GetFileNameWithoutExtension(entry), target);
        return target;
    }

    private static void Copy(CorpusModel m, string sample, string target)
    {
        string file = Path.Combine(m.SamplesPath, sample + ".npy"), dir = Path.Combine(m.SamplesPath, sample);
        if (File.Exists(file)) File.Copy(file, Path.Combine(target, sample + ".npy"));
        else if (Directory.Exists(dir))
        {
            Directory.CreateDirectory(Path.Combine(target, sample));
            foreach (string f in Directory.GetFiles(dir)) File.Copy(f, Path.Combine(target, sample, Path.GetFileName(f)));
        }
        else throw new AssertFailedException($"{m.SamplesPath} has no sample {sample}");
    }

    private static long[] Mask(CorpusModel m, int sentence) =>
        System.Runtime.InteropServices.MemoryMarshal.Cast<byte, long>(Engine.Data.NpyFile.Read(
            Path.Combine(m.SamplesPath, sentence.ToString("D3", System.Globalization.CultureInfo.InvariantCulture), "attention_mask.npy")).Data).ToArray();

    // The sentence embedding sentence-transformers takes: the mean of the token states under the attention mask.
    private static float[] MeanPool(float[] states, long[] mask)
    {
        int width = states.Length / mask.Length, used = 0;
        var mean = new float[width];
        for (int t = 0; t < mask.Length; t++)
        {
            if (mask[t] == 0) continue;
            used++;
            for (int k = 0; k < width; k++) mean[k] += states[t * width + k];
        }
        for (int k = 0; k < width; k++) mean[k] /= used;
        return mean;
    }

    private static double Cosine(float[] a, float[] b)
    {
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.Length; i++) { dot += a[i] * b[i]; na += a[i] * a[i]; nb += b[i] * b[i]; }
        return dot / Math.Sqrt(na * nb);
    }
}
