using ModelOpt.Engine.Config;
using ModelOpt.Engine.Diagnostics;
using ModelOpt.Engine.IR;
using ModelOpt.Engine.Onnx;

namespace ModelOpt.Engine.Tests;

[TestClass]
public sealed class OptimizeConfigTests
{
    // The example from the rewrites issue, verbatim.
    private const string IssueExample = """
        { "passes": ["freeze", "separable", "prune", "refit"],
          "separable": { "energy": 0.99 },
          "prune": { "mode": "structured", "ratio": 0.5, "roundTo": 8 },
          "calibration": { "data": "calib/", "samples": 64 },
          "overrides": { "opTypes": { "Gemm": { "prune": null } },
                         "nodes": { "^stem_.*": { "separable": null } } } }
        """;

    private static Model ModelWith(params (string Op, string Name)[] nodes)
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
    public void IssueExampleParsesAndResolvesOverrides()
    {
        var config = OptimizeConfig.Parse(IssueExample, "/work/project/modelopt.json");
        CollectionAssert.AreEqual(new[] { "freeze", "separable", "prune", "refit" }, config.Passes.ToArray());
        Assert.AreEqual(64, config.Calibration!.Samples);
        Assert.AreEqual(SyntheticKind.Noise, config.Calibration.Synthetic);
        Assert.AreEqual(SyntheticKind.Pages, OptimizeConfig.Parse("""{ "calibration": { "synthetic": "pages" } }""", "c.json").Calibration!.Synthetic);
        Assert.AreEqual(Path.GetFullPath("/work/project/calib/"), config.Calibration.Data);

        var model = ModelWith(("Conv", "stem_conv"), ("Conv", "body_conv"), ("Gemm", "head"));
        config.CheckAgainst(model);
        var g = model.Graph;

        Assert.IsNull(config.SettingsFor("separable", g.FindNode("stem_conv")!), "the stem is left alone by separable");
        Assert.AreEqual(0.99, config.SettingsFor("separable", g.FindNode("body_conv")!)!["energy"]!.GetValue<double>(), 1e-12);
        Assert.IsNull(config.SettingsFor("prune", g.FindNode("head")!), "Gemm is left alone by prune");
        Assert.AreEqual("structured", config.SettingsFor("prune", g.FindNode("body_conv")!)!["mode"]!.GetValue<string>());
        Assert.IsNotNull(config.SettingsFor("prune", g.FindNode("stem_conv")!), "the stem override only concerns separable");
    }

    [TestMethod]
    public void NodeOverridesMergeKeyByKeyOverGlobalSettings()
    {
        var config = OptimizeConfig.Parse("""
            { "prune": { "ratio": 0.5, "roundTo": 8 },
              "overrides": { "nodes": { "^late": { "prune": { "ratio": 0.25 } } } } }
            """);
        var model = ModelWith(("Conv", "early"), ("Conv", "late"));
        var late = config.SettingsFor("prune", model.Graph.FindNode("late")!)!;
        Assert.AreEqual(0.25, late["ratio"]!.GetValue<double>(), 1e-12);
        Assert.AreEqual(8, late["roundTo"]!.GetValue<int>());
        Assert.AreEqual(0.5, config.SettingsFor("prune", model.Graph.FindNode("early")!)!["ratio"]!.GetValue<double>(), 1e-12);
    }

    [TestMethod]
    public void NodePatternMatchingNothingIsAConfigErrorNamingIt()
    {
        var config = OptimizeConfig.Parse("""{ "overrides": { "nodes": { "^stme_.*": { "separable": null } } } }""", "cfg.json");
        var e = Assert.ThrowsExactly<ModelOptException>(() => config.CheckAgainst(ModelWith(("Conv", "stem_conv"))));
        Assert.AreEqual(ErrorCode.InvalidConfig, e.Code);
        Assert.AreEqual(2, e.ExitCode);
        Assert.AreEqual("cfg.json", e.File);
        StringAssert.Contains(e.Message, "^stme_.*");
    }

    [TestMethod]
    [DataRow("not json", "not valid JSON")]
    [DataRow("[1,2]", "JSON object")]
    [DataRow("""{ "passes": "freeze" }""", "'passes' must be an array")]
    [DataRow("""{ "prune": 0.5 }""", "'prune' must be an object")]
    [DataRow("""{ "calibration": { "samples": -3 } }""", "'calibration.samples' must be a positive integer")]
    [DataRow("""{ "calibration": { "folder": "x" } }""", "unknown setting 'calibration.folder'")]
    [DataRow("""{ "calibration": { "synthetic": "images" } }""", "'calibration.synthetic' must be one of \"noise\", \"pages\"")]
    [DataRow("""{ "overrides": { "layers": {} } }""", "unknown key 'overrides.layers'")]
    [DataRow("""{ "overrides": { "nodes": { "([": { "prune": null } } } }""", "not a valid regular expression")]
    public void MalformedConfigsAreClearErrors(string json, string expected)
    {
        var e = Assert.ThrowsExactly<ModelOptException>(() => OptimizeConfig.Parse(json, "bad.json"));
        Assert.AreEqual(ErrorCode.InvalidConfig, e.Code);
        StringAssert.Contains(e.Message, expected);
    }

    [TestMethod]
    public void UnknownPassNamesAreRejected()
    {
        OptimizeConfig.Parse(IssueExample);
        var e = Assert.ThrowsExactly<ModelOptException>(() => OptimizeConfig.Parse("""{ "passes": ["frezee"] }"""));
        StringAssert.Contains(e.Message, "frezee");
        e = Assert.ThrowsExactly<ModelOptException>(() => OptimizeConfig.Parse("""{ "sparable": { "energy": 0.9 } }"""));
        StringAssert.Contains(e.Message, "sparable");
    }
}
