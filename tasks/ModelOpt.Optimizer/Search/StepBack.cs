using ModelOpt.Validation.Budgets;

namespace ModelOpt.Optimizer.Search;

/// <summary>
/// A model instead of an error. The search chooses on one part of the samples and the run confirms
/// on another; a choice at the edge of a budget can pass the first and break the second. The search
/// validated less aggressive choices on its way there (<see cref="SearchOutcome.Fallbacks"/>): the
/// run confirms those, most aggressive first, on the same unseen samples, and takes the first that
/// keeps every budget. It gives up (exit 1) only when none does.
/// </summary>
public static class StepBack
{
    /// <summary>The fallback confirmed, its result, and the report it was confirmed by.</summary>
    public sealed record Found<T>(SearchFallback Fallback, T Result, ValidationReport Report, string Why);

    /// <param name="broken">The confirmation of the search's own choice, with the budgets it broke.</param>
    /// <param name="confirm">Builds a fallback and confirms it as the run confirms its choice.</param>
    /// <param name="log">Each step, as the search log writes it.</param>
    public static Found<T>? Take<T>(IReadOnlyList<SearchFallback> fallbacks, ValidationReport broken, Func<SearchFallback, (T Result, ValidationReport Report)> confirm, Action<string> log)
    {
        string Broke(ValidationReport r) => string.Join("; ", r.Broken.Select(v => v.Headline()));
        string first = Broke(broken);
        var samples = broken.Comparison is { } c ? $" on {c.SampleDescription}" : "";
        if (fallbacks.Count == 0) return null;
        log($"confirmation: the search's choice breaks {first}{samples}; stepping back along the {fallbacks.Count} less aggressive choice(s) it validated on its way.");
        foreach (var fallback in fallbacks)
        {
            var (result, report) = confirm(fallback);
            if (report.AllKept)
            {
                string why = $"the search's choice broke {first}{samples}; stepped back to a less aggressive choice it had validated ({fallback.Description}), which keeps every budget there";
                log($"confirmation: {fallback.Description} keeps every budget{samples}: written instead.");
                return new Found<T>(fallback, result, report, why);
            }
            log($"confirmation: {fallback.Description} breaks {Broke(report)} too.");
        }
        log("confirmation: no less aggressive choice the search validated keeps every budget.");
        return null;
    }
}
