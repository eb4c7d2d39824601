using ModelOpt.Engine.Config;

namespace ModelOpt.Engine.Plan;

/// <summary>
/// <c>&lt;model&gt;.modelopt.lock.json</c>: a chosen <see cref="OptimizationPlan"/> with what it was
/// made from (<see cref="LockFingerprint"/>) and the budgets as measured when it was chosen. Meant to
/// be committed: a build whose fingerprint matches replays the plan with no search and no
/// calibration. Written by <see cref="LockFileWriter"/>, read by <see cref="LockFileReader"/>.
/// </summary>
public sealed record LockFile(LockFingerprint Fingerprint, IReadOnlyList<LockedBudget> Budgets, OptimizationPlan Plan)
{
    /// <summary>The format this tool writes; a lock of a newer schema is refused, an older one read.</summary>
    public const int CurrentSchema = 1;

    /// <summary>The default lock of a model: <c>net.onnx</c> → <c>net.modelopt.lock.json</c> beside it.</summary>
    public static string DefaultPathFor(string modelPath) =>
        Path.Combine(Path.GetDirectoryName(Path.GetFullPath(modelPath)) ?? ".", Path.GetFileNameWithoutExtension(modelPath) + ".modelopt.lock.json");

    /// <summary>The file it was read from (null when made by this run).</summary>
    public string? SourcePath { get; init; }

    /// <summary>Where each value sat in the file it was read from, for errors found later (a node the model lacks).</summary>
    internal JsonPositions? Positions { get; init; }

    /// <summary>Line and column of the <paramref name="index"/>th entry of <c>plan.quantization.tensors</c> (0, 0 when unknown).</summary>
    public (int Line, int Column) TensorPosition(int index) =>
        Positions?.ValueOf(ConfigPath.Root.Then("plan").Then("quantization").Then("tensors").Then($"[{index}]")) ?? (0, 0);

    /// <summary>Line and column of the <paramref name="index"/>th entry of <c>plan.nodes</c> (0, 0 when unknown).</summary>
    public (int Line, int Column) NodePosition(int index) =>
        Positions?.ValueOf(ConfigPath.Root.Then("plan").Then("nodes").Then($"[{index}]")) ?? (0, 0);
}

/// <summary>A budget as it was when the plan was chosen: its limit and the value measured then.</summary>
public sealed record LockedBudget(string Budget, double Limit, double? Measured, bool Kept)
{
    /// <summary>
    /// The limit the user asked for, when the samples could not hold it and <see cref="Limit"/> is the
    /// strictest they could (the limit the plan was chosen and judged against); null: the user's own.
    /// </summary>
    public double? Asked { get; init; }
}
