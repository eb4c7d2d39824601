using ModelOpt.Engine.Budgets;
using ModelOpt.Engine.Config;
using ModelOpt.Engine.Diagnostics;
using ModelOpt.Optimizer;
using ModelOpt.TestSupport;

namespace ModelOpt.Optimizer.Tests;

/// <summary>
/// A message names an option as its reader writes it: the <c>OnnxModel</c> attribute in a build,
/// the flag on the command line (with the modelopt.json key where the file has one), through one
/// table (<see cref="OptionNames"/>). Each case is a refusal that comes before any pass runs.
/// </summary>
[TestClass]
public sealed class OptionNamingTests
{
    private static string Message(FrontEnd frontEnd, Func<TempFolder, OptimizeOptions> options)
    {
        using var temp = new TempFolder();
        var e = Assert.ThrowsExactly<ModelOptException>(() => OptimizeJob.Run(options(temp) with { FrontEnd = frontEnd }));
        Assert.IsFalse(File.Exists(temp.File("out.onnx")));
        Assert.AreEqual(FrontEnd.CommandLine, SettingNames.Current, "the run's words end with the run");
        return e.Message;
    }

    // The seed CNN alone in a folder: no samples beside it, so no labels.
    private static OptimizeOptions Seed(TempFolder temp)
    {
        string model = temp.File("net.onnx");
        File.Copy(Path.Combine(RepoPaths.Models, "seed-cnn.onnx"), model);
        return new OptimizeOptions { ModelPath = model, OutputPath = temp.File("out.onnx"), Passes = ["freeze"], Lock = LockUse.Off };
    }

    [TestMethod]
    public void TheMemoryCapIsTheAttributeInABuildAndTheFlagAndKeyOnTheCommandLine()
    {
        OptimizeOptions Tiny(TempFolder t) => Seed(t) with { Runtime = new RuntimeConfig { MemoryCapBytes = 1L << 20 } };

        string build = Message(FrontEnd.MSBuild, Tiny);
        StringAssert.Contains(build, "raise MemoryCap to at least");
        Assert.IsFalse(build.Contains("--", StringComparison.Ordinal) || build.Contains("runtime.memoryCap", StringComparison.Ordinal), build);
        StringAssert.Contains(Message(FrontEnd.CommandLine, Tiny), "raise --memory-cap (runtime.memoryCap) to at least");
    }

    [TestMethod]
    public void ABudgetThatNeedsLabelsNamesTheBudgetAndTheDataAsEachFrontEndWritesThem()
    {
        OptimizeOptions NoLabels(TempFolder t) => Seed(t) with { Budgets = BudgetSet.FromText([KeyValuePair.Create("MaxAccuracyDrop", "1")]) };

        Assert.AreEqual(
            "MaxAccuracyDrop needs labelled samples, and no data was given: Data=\"DIR\" Labels=\"FILE\"; or judge fidelity instead with MinCosine or MinAgreement.",
            Message(FrontEnd.MSBuild, NoLabels));
        Assert.AreEqual(
            "maxAccuracyDrop (--max-accuracy-drop) needs labelled samples, and no data was given: --data DIR --labels FILE; or judge fidelity instead with minCosine (--min-cosine) or minAgreement (--min-agreement).",
            Message(FrontEnd.CommandLine, NoLabels));
    }

    [TestMethod]
    public void AValueBindingForAnInputTheModelLacksIsNamedAsTheUserGaveIt()
    {
        OptimizeOptions Unknown(TempFolder t) => Seed(t) with { Values = ["nope=1"] };

        StringAssert.StartsWith(Message(FrontEnd.MSBuild, Unknown), "Values names 'nope', which is not an input of the model");
        StringAssert.StartsWith(Message(FrontEnd.CommandLine, Unknown), "--value names 'nope', which is not an input of the model");
    }
}
