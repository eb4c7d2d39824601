using System.Text.Json.Nodes;
using ModelOpt.Engine.Budgets;
using ModelOpt.Engine.Config;
using ModelOpt.Engine.Diagnostics;

namespace ModelOpt.Engine.Tests;

[TestClass]
public sealed class BudgetTests
{
    [TestMethod]
    [DataRow("5MB", QuantityKind.Bytes, 5e6)]
    [DataRow("5MiB", QuantityKind.Bytes, 5 * 1024 * 1024.0)]
    [DataRow("300kb", QuantityKind.Bytes, 3e5)]
    [DataRow("1234", QuantityKind.Bytes, 1234.0)]
    [DataRow("1.2GFLOPs", QuantityKind.Flops, 1.2e9)]
    [DataRow("500M", QuantityKind.Flops, 5e8)]
    [DataRow("1000", QuantityKind.Flops, 1000.0)]
    [DataRow("500K", QuantityKind.Count, 5e5)]
    [DataRow("1.5Mparams", QuantityKind.Count, 1.5e6)]
    [DataRow("2x", QuantityKind.Ratio, 2.0)]
    [DataRow("1.25", QuantityKind.Ratio, 1.25)]
    [DataRow("99%", QuantityKind.Fraction, 0.99)]
    [DataRow("0.995", QuantityKind.Fraction, 0.995)]
    [DataRow("0.5", QuantityKind.Points, 0.5)]
    [DataRow("0.5pt", QuantityKind.Points, 0.5)]
    [DataRow("5ms", QuantityKind.Milliseconds, 5.0)]
    [DataRow("0.01s", QuantityKind.Milliseconds, 10.0)]
    [DataRow("500us", QuantityKind.Milliseconds, 0.5)]
    public void ParsesValuesWithUnits(string text, QuantityKind kind, double expected) =>
        Assert.AreEqual(expected, Quantity.Parse(text, kind), expected * 1e-12);

    [TestMethod]
    [DataRow("5XB", QuantityKind.Bytes)]
    [DataRow("abc", QuantityKind.Flops)]
    [DataRow("-1", QuantityKind.Count)]
    [DataRow("1.5", QuantityKind.Fraction)]
    [DataRow("5MB", QuantityKind.Flops)]
    [DataRow("3x", QuantityKind.Milliseconds)]
    public void RejectsBadValues(string text, QuantityKind kind) =>
        Assert.ThrowsExactly<FormatException>(() => Quantity.Parse(text, kind));

    [TestMethod]
    public void ConfigBudgetsTakeNumbersAndStrings()
    {
        var json = JsonNode.Parse("""{ "maxAccuracyDrop": 0.5, "maxSize": "5MB", "minFlopReduction": "2x" }""")!.AsObject();
        var set = BudgetSet.FromConfig(json, "modelopt.json");
        Assert.AreEqual(0.5, set[BudgetDefinition.MaxAccuracyDrop]!.Limit);
        Assert.AreEqual(5e6, set[BudgetDefinition.MaxSize]!.Limit);
        Assert.AreEqual(2.0, set[BudgetDefinition.MinFlopReduction]!.Limit);
        Assert.IsNull(set[BudgetDefinition.MaxFlops]);
        CollectionAssert.AreEqual(new[] { "maxAccuracyDrop", "maxSize", "minFlopReduction" }, set.All.Select(b => b.Definition.Key).ToArray());
    }

    [TestMethod]
    public void UnknownOrMalformedConfigBudgetIsAConfigError()
    {
        var unknown = Assert.ThrowsExactly<ModelOptException>(() => BudgetSet.FromConfig(JsonNode.Parse("""{ "maxFlop": 5 }""")!.AsObject(), "m.json"));
        Assert.AreEqual(ErrorCode.InvalidConfig, unknown.Code);
        StringAssert.Contains(unknown.Message, "maxFlop");
        var bad = Assert.ThrowsExactly<ModelOptException>(() => BudgetSet.FromConfig(JsonNode.Parse("""{ "maxSize": "5 parsecs" }""")!.AsObject(), "m.json"));
        StringAssert.Contains(bad.Message, "budgets.maxSize");
        Assert.ThrowsExactly<ModelOptException>(() => BudgetSet.FromConfig(JsonNode.Parse("""{ "maxSize": [1] }""")!.AsObject(), "m.json"));
    }

    [TestMethod]
    public void CommandLineWinsOverTheConfigKeyByKey()
    {
        var config = BudgetSet.FromConfig(JsonNode.Parse("""{ "maxFlops": "1M", "maxParams": "100K" }""")!.AsObject(), "m.json");
        var cli = BudgetSet.FromText([KeyValuePair.Create("--max-flops", "2M")]);
        var merged = config.With(cli);
        Assert.AreEqual(2e6, merged[BudgetDefinition.MaxFlops]!.Limit);
        Assert.AreEqual(1e5, merged[BudgetDefinition.MaxParams]!.Limit);
        Assert.AreEqual("--max-flops", merged[BudgetDefinition.MaxFlops]!.Source);
    }

    [TestMethod]
    public void EveryBudgetIsKeptAtItsLimitAndBrokenPastIt()
    {
        foreach (var d in BudgetDefinition.All)
        {
            var budget = new Budget(d, 10, "test");
            Assert.IsTrue(budget.IsKeptBy(10), d.Key);
            Assert.AreEqual(d.Direction == BudgetDirection.AtLeast, budget.IsKeptBy(11), d.Key);
            Assert.AreEqual(d.Direction == BudgetDirection.AtMost, budget.IsKeptBy(9), d.Key);
        }
    }

    [TestMethod]
    public void VerdictNamesBudgetMeasuredLimitAndCulprit()
    {
        var set = BudgetSet.FromText([KeyValuePair.Create("maxFlops", "1000"), KeyValuePair.Create("minCosine", "0.99")]);
        var m = new BudgetMeasurements();
        m.Set(BudgetDefinition.MaxFlops, 5000);
        var verdicts = m.Evaluate(set, _ => "the pass 'separable' pushed it over");
        var flops = verdicts.Single(v => v.Budget.Definition == BudgetDefinition.MaxFlops);
        Assert.IsFalse(flops.Kept);
        StringAssert.Contains(flops.Message(), "maxFlops");
        StringAssert.Contains(flops.Message(), "5 KFLOPs");
        StringAssert.Contains(flops.Message(), "1 KFLOPs");
        StringAssert.Contains(flops.Message(), "separable");
        var cosine = verdicts.Single(v => v.Budget.Definition == BudgetDefinition.MinCosine);
        Assert.IsFalse(cosine.Kept, "a budget that could not be measured is not kept");
        StringAssert.Contains(cosine.Message(), "not measured");
    }

    [TestMethod]
    public void HeadlineLeadsWithBudgetValueAndLimit()
    {
        var set = BudgetSet.FromText([KeyValuePair.Create("maxFlops", "1000"), KeyValuePair.Create("minFlopReduction", "2x"), KeyValuePair.Create("maxSize", "1MB"), KeyValuePair.Create("minCosine", "0.99")]);
        var m = new BudgetMeasurements();
        m.Set(BudgetDefinition.MaxFlops, 1_066_268);
        m.Set(BudgetDefinition.MinFlopReduction, 1.5);
        m.Set(BudgetDefinition.MaxSize, 400_000);
        var verdicts = m.Evaluate(set, _ => "the pass 'freeze' pushed it over").ToDictionary(v => v.Budget.Definition.Key);
        Assert.AreEqual("maxFlops 1.066 MFLOPs exceeds 1 KFLOPs", verdicts["maxFlops"].Headline());
        Assert.AreEqual("minFlopReduction 1.5x is below 2x", verdicts["minFlopReduction"].Headline());
        Assert.AreEqual("maxSize 400 KB is within 1 MB", verdicts["maxSize"].Headline());
        Assert.AreEqual("minCosine not measured (limit 0.99)", verdicts["minCosine"].Headline());
        Assert.AreEqual("FLOPs per run; the pass 'freeze' pushed it over", verdicts["maxFlops"].Detail());
    }

    [TestMethod]
    public void EachFrontEndReadsTheNameItsUserWrote()
    {
        var set = BudgetSet.FromText([KeyValuePair.Create("maxAccuracyDrop", "0.5")]);
        var m = new BudgetMeasurements();
        m.Set(BudgetDefinition.MaxAccuracyDrop, 2);
        var verdict = m.Evaluate(set).Single();

        Assert.AreEqual("MaxAccuracyDrop 2 points exceeds 0.5 points", verdict.Headline(FrontEnd.MSBuild));
        StringAssert.StartsWith(verdict.Message(FrontEnd.MSBuild), "budget MaxAccuracyDrop broken: ");
        Assert.IsFalse(verdict.Message(FrontEnd.MSBuild).Contains("--", StringComparison.Ordinal), verdict.Message(FrontEnd.MSBuild));
        StringAssert.StartsWith(verdict.Message(), "budget maxAccuracyDrop (--max-accuracy-drop) broken: ");
        Assert.AreEqual("PassSettings='{ \"quantize\": { \"allowSlower\": true } }'", SettingNames.PassSetting("quantize", "{ \"allowSlower\": true }", FrontEnd.MSBuild));
        StringAssert.Contains(SettingNames.PassSetting("quantize", "{ \"allowSlower\": true }", FrontEnd.CommandLine), "--pass-settings");
    }

    [TestMethod]
    public void CulpritIsTheFirstPassAfterWhichTheBudgetStaysBroken()
    {
        var budget = new Budget(BudgetDefinition.MaxFlops, 100, "test");
        Assert.AreEqual("the pass 'b' pushed it over", BudgetCulprit.Find(budget, 50, [("a", 80), ("b", 120), ("c", 130)]));
        Assert.AreEqual("the pass 'c' pushed it over", BudgetCulprit.Find(budget, 50, [("a", 120), ("b", 90), ("c", 130)]));
        Assert.AreEqual("the original model already breaks it", BudgetCulprit.Find(budget, 150, [("a", 120)]));
    }
}
