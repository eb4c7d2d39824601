using System.CommandLine;
using ModelOpt.Engine.Budgets;

namespace ModelOpt.Tool.Commands;

/// <summary>The nine budget options, shared by optimize, validate and check; values may carry units (5MB, 1.2GFLOPs, 500K, 2x).</summary>
internal sealed class BudgetOptions
{
    private readonly List<(BudgetDefinition Definition, Option<string?> Option)> _options;

    public BudgetOptions(Func<BudgetDefinition, bool>? which = null) =>
        _options = BudgetDefinition.All.Where(which ?? (_ => true))
            .Select(d => (d, new Option<string?>(d.Option) { Description = $"Budget: {d.Measures} {(d.Direction == BudgetDirection.AtMost ? "at most" : "at least")} this (modelopt.json budgets.{d.Key})." }))
            .ToList();

    public void AddTo(Command command)
    {
        foreach (var (_, option) in _options) command.Options.Add(option);
    }

    public BudgetSet Read(ParseResult parse) => BudgetSet.FromText(_options
        .Select(o => (o.Definition, Value: parse.GetValue(o.Option)))
        .Where(o => o.Value is not null)
        .Select(o => KeyValuePair.Create(o.Definition.Option, o.Value!)));
}
