using ModelOpt.Engine.Budgets;
using ModelOpt.Engine.Config;
using ModelOpt.Engine.Passes.Knobs;
using ModelOpt.Validation.Budgets;

namespace ModelOpt.Optimizer.Search;

/// <summary>One trial of the search: the settings it turns, as the config and pass list that build it, and what it is judged on.</summary>
public sealed record SearchTrial(
    string ModelPath,
    OptimizeConfig Config,
    IReadOnlyList<string> Passes,
    IReadOnlyCollection<(LayerKnob Knob, int Step)> Settings,
    BudgetSet Budgets,
    ValidationSettings Validation);

/// <summary>What a trial measured: the report on its budgets, and the model it built (null where the judge built none to keep).</summary>
public sealed record TrialOutcome(ValidationReport Report, Candidate? Candidate);

/// <summary>
/// Judges a trial: builds its model and validates it. The expensive part of a search, and the one
/// a test of the search's mechanics replaces (<see cref="SearchRequest.Judge"/>).
/// </summary>
public static class TrialJudge
{
    /// <summary>Builds the trial's model with its passes and checks it on the budgets, as the run will.</summary>
    public static TrialOutcome Build(SearchTrial trial, SearchRequest request)
    {
        var passes = request.Registry.Parse(string.Join(',', trial.Passes));
        var candidate = CandidateBuilder.Build(trial.ModelPath, trial.Config, passes, trial.Validation.Bindings, request.Calibration);
        return new TrialOutcome(BudgetGate.Check(trial.ModelPath, candidate, trial.Budgets, trial.Validation), candidate);
    }
}
