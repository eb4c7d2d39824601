using System.Text.Json.Nodes;
using ModelOpt.Engine.Diagnostics;
using ModelOpt.Engine.Plan;

namespace ModelOpt.Engine.Tests.Plan;

[TestClass]
public sealed class LockFileTests
{
    private static readonly string[] Passes = ["freeze", "lowrank", "quantize"];

    private static LockFile Sample() => new(
        new LockFingerprint("net.onnx", new string('a', 64),
            new SortedDictionary<string, string>(StringComparer.Ordinal) { ["passes"] = "lowrank,quantize", ["budgets"] = "maxAccuracyDrop=0.5", ["search"] = "true" },
            [new DataFile("b.npy", new string('2', 64)), new DataFile("a.npy", new string('1', 64))], "ModelOpt 1.2.3"),
        [new LockedBudget("maxAccuracyDrop", 0.5, 0.1 + 0.2, true)],
        new OptimizationPlan(["lowrank", "quantize"],
            [
                new NodeDecision("fc1", "lowrank", new JsonObject { ["rank"] = 24 }, "rank=24"),
                new NodeDecision("fc2", "lowrank", null, "unchanged"),
                new NodeDecision("conv1", "quantize", new JsonObject(), "quantized"),
            ],
            new QuantizationPlan("percentile 99.99", true,
                [new QuantizedTensor("input", 0, 1, 1f / 255, 0), new QuantizedTensor("x \"odd\" name", -3.1415927f, 0.1f + 0.2f, 0.013553299f, 229)]),
            DeployCpu.Vnni));

    [TestMethod]
    public void WhatIsWrittenReadsBackTheSameBitForBitAndWritesTheSameText()
    {
        string text = LockFileWriter.Write(Sample());
        var read = LockFileReader.Parse(text, "net.modelopt.lock.json", Passes);

        Assert.AreEqual(text, LockFileWriter.Write(read), "the same plan always writes the same text");
        Assert.AreEqual(0, read.Fingerprint.Changes(Sample().Fingerprint).Count);
        CollectionAssert.AreEqual(new[] { "fc1", "fc2", "conv1" }, read.Plan.Nodes.Select(n => n.Node).ToArray());
        Assert.IsNull(read.Plan.Nodes[1].Settings);
        Assert.AreEqual(24, read.Plan.Nodes[0].Settings!["rank"]!.GetValue<int>());
        Assert.AreEqual(DeployCpu.Vnni, read.Plan.DeployCpu);
        var odd = read.Plan.Quantization!.Tensors[1];
        Assert.AreEqual(BitConverter.SingleToInt32Bits(0.1f + 0.2f), BitConverter.SingleToInt32Bits(odd.Max), "floats round-trip exactly");
        Assert.AreEqual(BitConverter.SingleToInt32Bits(0.013553299f), BitConverter.SingleToInt32Bits(odd.Scale));
        Assert.AreEqual("x \"odd\" name", odd.Tensor);
        Assert.AreEqual(229, odd.ZeroPoint);
    }

    [TestMethod]
    public void KeptChannelsThePlansOwnPassSettingsAndSearchedRoundTrip()
    {
        var sample = Sample();
        var lockFile = sample with
        {
            Plan = sample.Plan with
            {
                Nodes = [.. sample.Plan.Nodes, new NodeDecision("conv2", "quantize", new JsonObject { ["keep"] = new JsonArray(0, 2, 5) }, "keeps 3 channel(s)")],
                Settings = new JsonObject { ["quantize"] = new JsonObject { ["mode"] = "dynamic" } },
                Searched = true,
            },
        };
        string text = LockFileWriter.Write(lockFile);
        StringAssert.Contains(text, "\"settings\": {\"keep\": [0, 2, 5]}");
        StringAssert.Contains(text, "    \"searched\": true,\n    \"settings\": {\"quantize\": {\"mode\": \"dynamic\"}},\n");
        var read = LockFileReader.Parse(text, "net.modelopt.lock.json", Passes);
        Assert.AreEqual(text, LockFileWriter.Write(read));
        Assert.IsTrue(read.Plan.Searched);
        Assert.AreEqual("dynamic", read.Plan.Settings!["quantize"]!["mode"]!.GetValue<string>());
        Assert.AreEqual("keeps 3 channel(s)", read.Plan.Nodes[^1].Label);
        // A plan without them writes neither key, and reads back without them.
        var plain = LockFileReader.Parse(LockFileWriter.Write(sample), "net.modelopt.lock.json", Passes);
        Assert.IsFalse(plain.Plan.Searched);
        Assert.IsNull(plain.Plan.Settings);
    }

    [TestMethod]
    public void TheToolFingerprintLeavesOutBuildMetadataAndNamesThePlanFormat()
    {
        Assert.AreEqual($"ModelOpt 0.1.0, plan format {ToolFingerprint.PlanFormat}", ToolFingerprint.Of("0.1.0+3f2a9c1d0b7e"));
        Assert.AreEqual(ToolFingerprint.Of("0.1.0+aaaa"), ToolFingerprint.Of("0.1.0+bbbb"), "another commit of the same version keeps every lock");
        Assert.AreNotEqual(ToolFingerprint.Of("0.1.0"), ToolFingerprint.Of("0.2.0"), "a new version chooses again");
    }

    [TestMethod]
    public void EveryNodeTensorSampleAndBudgetHasALineOfItsOwnInStableOrder()
    {
        var lines = LockFileWriter.Write(Sample()).Split('\n');
        Assert.AreEqual(1, lines.Count(l => l.Contains("\"node\": \"fc1\"")));
        Assert.IsTrue(lines.Single(l => l.Contains("\"node\": \"fc1\"")).Contains("\"settings\": {\"rank\": 24}"));
        Assert.AreEqual(1, lines.Count(l => l.Contains("\"tensor\": \"input\"")));
        // Data and settings in ordinal order, whatever order they were given in.
        int a = Array.FindIndex(lines, l => l.Contains("a.npy")), b = Array.FindIndex(lines, l => l.Contains("b.npy"));
        Assert.IsTrue(a >= 0 && a < b);
        int budgets = Array.FindIndex(lines, l => l.Contains("\"budgets\": \"")), passes = Array.FindIndex(lines, l => l.Contains("\"passes\": \"lowrank"));
        Assert.IsTrue(budgets < passes);
        Assert.IsFalse(LockFileWriter.Write(Sample()).Contains('\r'));
    }

    [TestMethod]
    public void NotJsonIsAnErrorAtItsLineAndColumn()
    {
        string text = LockFileWriter.Write(Sample()).Replace("\"schema\": 1,", "\"schema\": 1,,");
        var e = Assert.ThrowsExactly<ModelOptException>(() => LockFileReader.Parse(text, "net.modelopt.lock.json", Passes));
        var error = e.Errors.Single();
        Assert.AreEqual(ErrorCode.InvalidLockFile, error.Code);
        Assert.AreEqual("net.modelopt.lock.json", error.File);
        Assert.AreEqual(2, error.Line);
        Assert.AreEqual(2, e.ExitCode);
    }

    [TestMethod]
    public void ANewerSchemaIsRefusedAtTheSchemaLine()
    {
        string text = LockFileWriter.Write(Sample()).Replace("\"schema\": 1,", $"\"schema\": {LockFile.CurrentSchema + 1},");
        var error = Assert.ThrowsExactly<ModelOptException>(() => LockFileReader.Parse(text, "x.lock.json", Passes)).Errors.Single();
        Assert.AreEqual((2, 13), (error.Line, error.Column));
        StringAssert.Contains(error.Message, "newer ModelOpt");
    }

    [TestMethod]
    public void AHandEditThatBreaksTheSchemaIsNamedWhereItIs()
    {
        string text = LockFileWriter.Write(Sample());
        var unknownPass = Assert.ThrowsExactly<ModelOptException>(() => LockFileReader.Parse(text.Replace("\"passes\": [\"lowrank\"", "\"passes\": [\"lowrnak\""), "x", Passes)).Errors.Single();
        StringAssert.Contains(unknownPass.Message, "Did you mean 'lowrank'?");
        Assert.IsTrue(unknownPass.Line > 0);

        var badScale = Assert.ThrowsExactly<ModelOptException>(() => LockFileReader.Parse(text.Replace("\"scale\": 0.013553299", "\"scale\": -1"), "x", Passes)).Errors.Single();
        StringAssert.Contains(badScale.Message, "scale");
        Assert.AreEqual(Array.FindIndex(text.Split('\n'), l => l.Contains("0.013553299")) + 1, badScale.Line);

        var cpu = Assert.ThrowsExactly<ModelOptException>(() => LockFileReader.Parse(text.Replace("\"deployCpu\": \"vnni\"", "\"deployCpu\": \"arm\""), "x", Passes)).Errors.Single();
        StringAssert.Contains(cpu.Message, "portable, vnni, avx2");
    }

    [TestMethod]
    public void ChangesNameTheSampleTheSettingAndTheModel()
    {
        var locked = Sample().Fingerprint;
        var now = locked with
        {
            ModelSha256 = new string('b', 64),
            Settings = new SortedDictionary<string, string>(locked.Settings.ToDictionary(), StringComparer.Ordinal) { ["budgets"] = "maxAccuracyDrop=1" },
            Data = [new DataFile("a.npy", new string('9', 64)), new DataFile("c.npy", new string('3', 64))],
        };
        var changes = locked.Changes(now);
        Assert.AreEqual(5, changes.Count, string.Join("\n", changes));
        StringAssert.StartsWith(changes[0], "the model net.onnx changed");
        StringAssert.Contains(changes[1], "'budgets' changed ('maxAccuracyDrop=0.5' in the lock, 'maxAccuracyDrop=1' now)");
        StringAssert.StartsWith(changes[2], "the data sample 'a.npy' changed");
        StringAssert.StartsWith(changes[3], "the data sample 'b.npy' is gone");
        StringAssert.StartsWith(changes[4], "the data sample 'c.npy' is new");
    }
}
