namespace ModelOpt.Engine.Budgets;

/// <summary>One limit the optimized model must keep, and where it was given (for messages).</summary>
public sealed record Budget(BudgetDefinition Definition, double Limit, string Source)
{
    /// <summary>
    /// The limit the user asked for, when the samples cannot hold it and <see cref="Limit"/> is the
    /// strictest they can (<see cref="BudgetResolution.ForSearch"/>): the run goes on with that honest
    /// limit and says so everywhere it shows the budget. Null: <see cref="Limit"/> is the user's own.
    /// </summary>
    public double? Asked { get; init; }

    public bool IsKeptBy(double measured) => IsKeptBy(measured, Limit);

    /// <summary>Whether <paramref name="value"/> keeps <paramref name="limit"/> in this budget's direction.</summary>
    public bool IsKeptBy(double value, double limit) => Definition.Direction == BudgetDirection.AtMost
        ? value <= limit
        : value >= limit;

    /// <summary>E.g. <c>maxFlops ≤ 500 KFLOPs</c>.</summary>
    public string Describe() =>
        $"{Definition.Key} {(Definition.Direction == BudgetDirection.AtMost ? "≤" : "≥")} {Quantity.Format(Limit, Definition.Kind)}{AskedNote()}";

    /// <summary><c> (asked 1 points; the strictest these samples can hold)</c>, or nothing when the limit is the user's own.</summary>
    public string AskedNote() => Asked is double asked ? $" (asked {Quantity.Format(asked, Definition.Kind)}; the strictest these samples can hold)" : "";
}
