using ModelOpt.Engine.Shapes;

namespace ModelOpt.Validation;

/// <summary>
/// Runs a streaming model over samples in order, carrying its state: each paired output
/// (<see cref="StatePairs"/>) replaces the input it feeds on the next run. Each model being
/// compared carries its own state, as it would when deployed. Without pairs it is a plain run.
/// </summary>
internal sealed class StatefulRunner(OrtModelRunner runner, StatePairs pairs)
{
    private readonly Dictionary<string, TensorData> _carried = new(StringComparer.Ordinal);

    public OrtModelRunner Runner => runner;

    public IReadOnlyList<TensorData> Run(IReadOnlyList<TensorData> inputs, IReadOnlyList<string> outputNames)
    {
        if (pairs.IsEmpty) return runner.Run(inputs, outputNames);
        var fed = inputs.Select(i => _carried.TryGetValue(i.Name, out var state) ? new TensorData(i.Name, state.ElementType, state.Shape, state.Bytes) : i).ToList();
        var extra = pairs.OutputToInput.Keys.Where(o => !outputNames.Contains(o)).ToList();
        var all = runner.Run(fed, [.. outputNames, .. extra]);
        for (int k = 0; k < all.Count; k++)
        {
            string name = k < outputNames.Count ? outputNames[k] : extra[k - outputNames.Count];
            if (pairs.OutputToInput.TryGetValue(name, out string? input)) _carried[input] = all[k];
        }
        return all.Take(outputNames.Count).ToList();
    }
}
