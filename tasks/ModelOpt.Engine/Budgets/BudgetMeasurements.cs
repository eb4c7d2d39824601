namespace ModelOpt.Engine.Budgets;

/// <summary>
/// The figures budgets are checked against, in each kind's base unit: accuracy drop in points,
/// agreement and cosine as fractions, FLOPs, parameters, bytes, ratios and milliseconds. A figure
/// that was not measured is absent, and a budget on it is reported as broken with the reason.
/// </summary>
public sealed class BudgetMeasurements
{
    private readonly Dictionary<string, double> _values = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _missingReasons = new(StringComparer.Ordinal);

    public void Set(BudgetDefinition definition, double? value, string? missingReason = null)
    {
        if (value is double v) _values[definition.Key] = v;
        else if (missingReason is not null) _missingReasons[definition.Key] = missingReason;
    }

    public double? Get(BudgetDefinition definition) => _values.TryGetValue(definition.Key, out double v) ? v : null;

    public string? MissingReason(BudgetDefinition definition) => _missingReasons.GetValueOrDefault(definition.Key);

    /// <summary>
    /// Checks every budget. <paramref name="culprit"/> names the pass that pushed a broken budget
    /// over (null when it cannot tell).
    /// </summary>
    public IReadOnlyList<BudgetVerdict> Evaluate(BudgetSet budgets, Func<Budget, string?>? culprit = null) =>
        budgets.All.Select(b => Get(b.Definition) is double m
            ? new BudgetVerdict(b, m, b.IsKeptBy(m), b.IsKeptBy(m) ? null : culprit?.Invoke(b))
            : new BudgetVerdict(b, null, false, null, MissingReason(b.Definition) ?? "it could not be measured")).ToList();
}
