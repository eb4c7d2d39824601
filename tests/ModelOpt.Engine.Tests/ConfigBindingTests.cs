using ModelOpt.Engine.Config;
using ModelOpt.Engine.Diagnostics;
using ModelOpt.Engine.IR;
using ModelOpt.Engine.Onnx;
using ModelOpt.Engine.Passes;
using ModelOpt.Engine.Passes.Prune;
using ModelOpt.Engine.Passes.Quantize;
using ModelOpt.Engine.Passes.Refit;

namespace ModelOpt.Engine.Tests;

/// <summary>Typed settings: binding by name, overrides merged then typed, every problem reported with its place, and "did you mean".</summary>
[TestClass]
public sealed class ConfigBindingTests
{
    private static Model Chain(params (string Op, string Name)[] nodes)
    {
        var model = Model.Create();
        var g = model.Graph;
        Value current = g.AddInput("x", TensorProto.Types.DataType.Float, [1, 3, 8, 8]);
        foreach (var (op, name) in nodes) current = g.CreateNode(op, [current], name: name).Output(0);
        current.ElementType = TensorProto.Types.DataType.Float;
        g.AddOutput(current);
        return model;
    }

    [TestMethod]
    public void SettingsBindToTypedRecordsWithEnumsByName()
    {
        var config = OptimizeConfig.Parse("""
            { "quantize": { "calibration": "minmax", "activationType": "int8", "symmetric": true, "keepFloat": ["first", "stem"] },
              "refit": { "layers": "after-compressed", "ridge": 0.01 },
              "prune": { "mode": "unstructured", "importance": "l2" } }
            """);
        var quantize = config.Settings<QuantizeSettings>("quantize");
        Assert.AreEqual(CalibrationMethod.MinMax, quantize.Calibration);
        Assert.IsTrue(quantize.ActivationsSigned && quantize.Symmetric && quantize.KeepFirst && quantize.KeepStem && !quantize.KeepLast);
        Assert.AreEqual(RefitLayers.AfterCompressed, config.Settings<RefitSettings>("refit").Layers);
        Assert.AreEqual(0.01, config.Settings<RefitSettings>("refit").Ridge, 1e-15);
        var prune = config.Settings<PruneSettings>("prune");
        Assert.AreEqual(PruneMode.Unstructured, prune.Mode);
        Assert.AreEqual(PruneImportance.L2, prune.Importance);
        Assert.IsFalse(prune.RatioGiven);
        Assert.AreEqual(PruneSettings.DefaultRatio, prune.Ratio);
        // Int4 is symmetric unless told otherwise.
        var int4 = OptimizeConfig.Parse("""{ "quantize": { "mode": "int4", "blockSize": 64 } }""").Settings<QuantizeSettings>("quantize");
        Assert.IsTrue(int4.Symmetric);
        Assert.AreEqual(64, int4.BlockSize);
    }

    [TestMethod]
    public void OverridesMergeKeyByKeyThenBindAndNullLeavesTheNodeAlone()
    {
        var config = OptimizeConfig.Parse("""
            { "prune": { "ratio": 0.5, "roundTo": 8 },
              "overrides": { "opTypes": { "Gemm": { "prune": null } },
                             "nodes": { "^late": { "prune": { "ratio": 0.25 } } } } }
            """);
        var g = Chain(("Conv", "early"), ("Conv", "late"), ("Gemm", "head")).Graph;
        var late = config.Settings<PruneSettings>("prune", g.FindNode("late")!)!;
        Assert.AreEqual(0.25, late.Ratio, 1e-12);
        Assert.AreEqual(8, late.RoundTo);
        Assert.AreEqual(0.5, config.Settings<PruneSettings>("prune", g.FindNode("early")!)!.Ratio, 1e-12);
        Assert.IsNull(config.Settings<PruneSettings>("prune", g.FindNode("head")!));
    }

    [TestMethod]
    public void AnOverrideIsCheckedTogetherWithTheGlobalSettingsItLandsOn()
    {
        // Alone each is fine; a node given a percentile while the file calibrates by minmax is not.
        var e = Assert.ThrowsExactly<ModelOptException>(() => OptimizeConfig.Parse("""
            { "quantize": { "calibration": "minmax" },
              "overrides": { "nodes": { "^a$": { "quantize": { "percentile": 99.9 } } } } }
            """, "c.json"));
        Assert.HasCount(1, e.Errors);
        Assert.AreEqual(2, e.Errors[0].Line);
        StringAssert.Contains(e.Message, "'quantize.percentile' applies only with \"calibration\": \"percentile\" (in 'overrides.nodes.^a$')");
    }

    [TestMethod]
    public void EveryProblemIsReportedInFileOrderNotJustTheFirst()
    {
        var e = Assert.ThrowsExactly<ModelOptException>(() => OptimizeConfig.Parse("""
            {
              "separable": { "energy": "high" },
              "lowrank": { "rank": 0 },
              "shareWeights": { "bits": 9, "clusters": 4 }
            }
            """, "m.json"));
        CollectionAssert.AreEqual(new[] { (2, 28), (3, 24), (4, 29), (4, 32) }, e.Errors.Select(x => (x.Line, x.Column)).ToArray(), e.ToString());
        var lines = e.ToString().Split(Environment.NewLine);
        Assert.HasCount(4, lines);
        Assert.IsTrue(lines.All(l => l.StartsWith("m.json(", StringComparison.Ordinal) && l.Contains("): error MOPT2004: ", StringComparison.Ordinal)), e.ToString());
    }

    [TestMethod]
    [DataRow("""{ "passes": ["sepparable"] }""", "did you mean 'separable'?")]
    [DataRow("""{ "passes": ["share_weights"] }""", "did you mean 'share-weights'?")]
    [DataRow("""{ "qantize": {} }""", "Did you mean 'quantize'?")]
    [DataRow("""{ "calibraton": {} }""", "Did you mean 'calibration'?")]
    [DataRow("""{ "prune": { "ratios": 0.5 } }""", "did you mean 'ratio'?")]
    [DataRow("""{ "quantize": { "perchannel": false } }""", "did you mean 'perChannel'?")]
    [DataRow("""{ "overrides": { "opType": {} } }""", "did you mean 'opTypes'?")]
    [DataRow("""{ "budgets": { "minCosin": 0.99 } }""", "Did you mean 'minCosine'?")]
    public void NearMissesGetADidYouMean(string json, string hint)
    {
        var e = Assert.ThrowsExactly<ModelOptException>(() => OptimizeConfig.Parse(json));
        StringAssert.Contains(e.Message, hint, StringComparison.OrdinalIgnoreCase);
    }

    [TestMethod]
    public void FarMissesGetNoSuggestion()
    {
        Assert.IsNull(DidYouMean.Suggest("banana", ["freeze", "separable", "prune"]));
        Assert.AreEqual("rank", DidYouMean.Suggest("rnak", ["energy", "rank"]));
        Assert.AreEqual(1, DidYouMean.Distance("rnak", "rank"), "a swap is one edit");
    }

    [TestMethod]
    public void ASectionWithoutSettingsTakesNoneAndFreezeTakesInlineBranches()
    {
        OptimizeConfig.Parse("""{ "fp32": {}, "freeze": { "inlineBranches": false } }""");
        var e = Assert.ThrowsExactly<ModelOptException>(() => OptimizeConfig.Parse("""{ "fp32": { "fold": true } }"""));
        StringAssert.Contains(e.Message, "unknown setting 'fp32.fold' (expected no settings)");
        e = Assert.ThrowsExactly<ModelOptException>(() => OptimizeConfig.Parse("""{ "freeze": { "fold": true } }"""));
        StringAssert.Contains(e.Message, "unknown setting 'freeze.fold'");
        StringAssert.Contains(e.Message, "inlineBranches");
    }

    [TestMethod]
    public void InlinePassSettingsAreLaidOverTheFileAndCheckedTogether()
    {
        var file = OptimizeConfig.Parse("""{ "passes": ["quantize"], "quantize": { "mode": "dynamic" } }""", "modelopt.json");
        var merged = file.WithPassSettings(OptimizeConfig.ParsePassSettings("""{ "quantize": { "allowSlower": true } }""", "App.csproj"));
        var settings = merged.Settings<QuantizeSettings>("quantize");
        Assert.AreEqual(QuantizeMode.Dynamic, settings.Mode);
        Assert.IsTrue(settings.AllowSlower);
        CollectionAssert.AreEqual(new[] { "quantize" }, merged.Passes.ToArray());

        var int4 = OptimizeConfig.Parse("""{ "quantize": { "mode": "int4" } }""", "modelopt.json");
        var e = Assert.ThrowsExactly<ModelOptException>(() => int4.WithPassSettings(OptimizeConfig.ParsePassSettings("""{ "quantize": { "allowSlower": true } }""", "App.csproj")));
        Assert.AreEqual("App.csproj", e.File);
        StringAssert.Contains(e.Message, "'quantize.allowSlower' applies only to modes 'static' and 'dynamic'");

        e = Assert.ThrowsExactly<ModelOptException>(() => OptimizeConfig.ParsePassSettings("""{ "passes": ["freeze"], "quantiz": {} }""", "App.csproj"));
        Assert.HasCount(2, e.Errors);
        StringAssert.Contains(e.Errors[0].Message, "'passes' is not a pass");
        StringAssert.Contains(e.Errors[1].Message, "Did you mean 'quantize'?");
    }

    [TestMethod]
    public void RequiredAndAllowSlowerContradictEachOther()
    {
        Assert.IsTrue(OptimizeConfig.Parse("""{ "quantize": { "required": true } }""").Settings<QuantizeSettings>("quantize").Required);
        var e = Assert.ThrowsExactly<ModelOptException>(() => OptimizeConfig.Parse("""{ "quantize": { "required": true, "allowSlower": true } }"""));
        StringAssert.Contains(e.Message, "'quantize.required' contradicts 'allowSlower'");
    }

    [TestMethod]
    public void ErrorsPrintInTheFormIdesJumpTo()
    {
        Assert.AreEqual("a.json(3,7): error MOPT2004: bad", new ModelOptError(ErrorCode.InvalidConfig, "a.json", 3, 7, "bad").ToString());
        Assert.AreEqual("a.json: error MOPT2004: bad", new ModelOptError(ErrorCode.InvalidConfig, "a.json", 0, 0, "bad").ToString());
        Assert.AreEqual("error MOPT2001: bad", new ModelOptException(ErrorCode.InvalidArgument, null, "bad").ToString());
    }

    [TestMethod]
    public void EveryPassDeclaresATypedSettingsRecord()
    {
        foreach (var name in PassRegistry.Default.Names)
            Assert.IsTrue(typeof(ISettings).IsAssignableFrom(PassRegistry.Default.SettingsTypeOf(name)), name);
    }
}
