namespace ModelOpt.Engine.Budgets;

/// <summary>
/// The figures budgets are checked against, in each kind's base unit: accuracy drop in points,
/// agreement and cosine as fractions, FLOPs, parameters, bytes, ratios and milliseconds. A figure
/// that was not measured is absent, and a budget on it is reported as broken with the reason. An
/// output figure measured on samples comes with its confidence bound (<see cref="BudgetEstimate"/>),
/// and its budget is judged by the bound.
/// </summary>
public sealed class BudgetMeasurements
{
    private readonly Dictionary<string, double> _values = new(StringComparer.Ordinal);
    private readonly Dictionary<string, BudgetEstimate> _estimates = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _missingReasons = new(StringComparer.Ordinal);

    public void Set(BudgetDefinition definition, double? value, string? missingReason = null)
    {
        if (value is double v) _values[definition.Key] = v;
        else if (missingReason is not null) _missingReasons[definition.Key] = missingReason;
    }

    /// <summary>A figure measured on samples, with its bound; null records <paramref name="missingReason"/>.</summary>
    public void Set(BudgetDefinition definition, BudgetEstimate? estimate, string? missingReason = null)
    {
        if (estimate is not null)
        {
            _values[definition.Key] = estimate.Measured;
            _estimates[definition.Key] = estimate;
        }
        else if (missingReason is not null) _missingReasons[definition.Key] = missingReason;
    }

    public double? Get(BudgetDefinition definition) => _values.TryGetValue(definition.Key, out double v) ? v : null;

    public BudgetEstimate? Estimate(BudgetDefinition definition) => _estimates.GetValueOrDefault(definition.Key);

    public string? MissingReason(BudgetDefinition definition) => _missingReasons.GetValueOrDefault(definition.Key);

    /// <summary>
    /// Checks every budget. <paramref name="culprit"/> names the pass that pushed a broken budget
    /// over (null when it cannot tell).
    /// </summary>
    public IReadOnlyList<BudgetVerdict> Evaluate(BudgetSet budgets, Func<Budget, string?>? culprit = null) =>
        budgets.All.Select(b => Verdict(b, culprit)).ToList();

    /// <summary>
    /// One budget's verdict: by the bound where the figure has one, against the limit, or against
    /// what the samples can resolve where that is looser than the limit (the verdict says so).
    /// <paramref name="byBound"/> false judges the figure itself, the bound shown beside it (the
    /// default fidelity floor, a sanity check nobody asked a guarantee of).
    /// </summary>
    public BudgetVerdict Verdict(Budget budget, Func<Budget, string?>? culprit = null, bool byBound = true)
    {
        if (Get(budget.Definition) is not double measured)
            return new BudgetVerdict(budget, null, false, null, MissingReason(budget.Definition) ?? "it could not be measured");
        var estimate = Estimate(budget.Definition);
        double judged = byBound ? estimate?.Bound ?? measured : measured;
        double limit = byBound ? JudgedLimit(budget, estimate) : budget.Limit;
        bool kept = budget.IsKeptBy(judged, limit);
        return new BudgetVerdict(budget, measured, kept, kept ? null : culprit?.Invoke(budget))
        {
            Estimate = estimate,
            JudgedLimit = limit == budget.Limit ? null : limit,
        };
    }

    // A limit stricter than the samples can resolve is judged at what they can resolve.
    private static double JudgedLimit(Budget budget, BudgetEstimate? estimate)
    {
        if (estimate?.Resolvable is not double resolvable) return budget.Limit;
        return budget.Definition.Direction == BudgetDirection.AtMost ? Math.Max(budget.Limit, resolvable) : Math.Min(budget.Limit, resolvable);
    }
}
