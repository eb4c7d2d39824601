using ModelOpt.Engine.Diagnostics;

namespace ModelOpt.Validation.Budgets;

/// <summary>
/// A run broke one or more budgets (exit code 1, nothing written). Carries the full report so the
/// tool can still write <c>--report</c>, <c>--markdown</c> and <c>--html</c> for the CI job that failed.
/// </summary>
public sealed class BudgetBrokenException(string file, string message, ValidationReport? report)
    : ModelOptException(ErrorCode.BudgetBroken, file, message)
{
    public ValidationReport? Report { get; } = report;

    public static BudgetBrokenException From(string file, ValidationReport report, string lead) =>
        new(file, lead + string.Concat(report.Broken.Select(v => Environment.NewLine + "  " + v.Message())), report);
}
