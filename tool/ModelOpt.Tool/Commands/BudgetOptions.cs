using System.CommandLine;
using ModelOpt.Engine.Budgets;

namespace ModelOpt.Tool.Commands;

/// <summary>
/// The nine budget options, shared by optimize, validate and check; values may carry units (5MB,
/// 1.2GFLOPs, 500K, 2x). Where output budgets are judged (optimize, validate), also how:
/// <c>--confidence</c> and <c>--cosine-percentile</c> (modelopt.json budgets.confidence, budgets.cosinePercentile).
/// </summary>
internal sealed class BudgetOptions
{
    private readonly List<(BudgetDefinition Definition, Option<string?> Option)> _options;
    private readonly List<Option<string?>> _judging = [];

    public BudgetOptions(Func<BudgetDefinition, bool>? which = null)
    {
        _options = BudgetDefinition.All.Where(which ?? (_ => true))
            .Select(d => (d, new Option<string?>(d.Option) { Description = $"Budget: {d.Measures} {(d.Direction == BudgetDirection.AtMost ? "at most" : "at least")} this (modelopt.json budgets.{d.Key})." }))
            .ToList();
        if (_options.Any(o => o.Definition.NeedsOutputs))
        {
            _judging.Add(new Option<string?>("--confidence") { Description = $"Confidence level of the bounds output budgets are judged by: a budget is kept when its one-sided bound keeps it (default {BudgetSet.DefaultConfidence}; modelopt.json budgets.{BudgetSet.ConfidenceKey}; docs/validation.md)." });
            _judging.Add(new Option<string?>("--cosine-percentile") { Description = $"Which per-sample cosine --min-cosine judges: 0 (default) the worst sample; e.g. 0.05 the 5th percentile of samples, by its lower confidence bound (modelopt.json budgets.{BudgetSet.CosinePercentileKey})." });
        }
    }

    public void AddTo(Command command)
    {
        foreach (var (_, option) in _options) command.Options.Add(option);
        foreach (var option in _judging) command.Options.Add(option);
    }

    public BudgetSet Read(ParseResult parse) => BudgetSet.FromText(_options
        .Select(o => (Name: o.Definition.Option, Value: parse.GetValue(o.Option)))
        .Concat(_judging.Select(o => (o.Name, Value: parse.GetValue(o))))
        .Where(o => o.Value is not null)
        .Select(o => KeyValuePair.Create(o.Name, o.Value!)));
}
