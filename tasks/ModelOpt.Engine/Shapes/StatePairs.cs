using ModelOpt.Engine.Config;
using ModelOpt.Engine.Diagnostics;
using ModelOpt.Engine.IR;

namespace ModelOpt.Engine.Shapes;

/// <summary>
/// A streaming model's recurrent state: each pair names an output whose value is fed to an input
/// on the next step (<c>--state stateN=state</c>). Samples then run in order, one at a time, the
/// state starting from the input's bound value (<c>--value state=zeros</c>).
/// </summary>
public sealed class StatePairs
{
    private StatePairs(IReadOnlyDictionary<string, string> outputToInput) => OutputToInput = outputToInput;

    public static StatePairs None { get; } = new(new Dictionary<string, string>());

    /// <summary>Output name → the input it feeds on the next step.</summary>
    public IReadOnlyDictionary<string, string> OutputToInput { get; }

    public bool IsEmpty => OutputToInput.Count == 0;

    /// <summary>Parses <c>OUTPUT=INPUT</c> strings (the CLI's <c>--state</c>).</summary>
    public static StatePairs Parse(IEnumerable<string> pairs)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string text in pairs)
        {
            int eq = text.IndexOf('=');
            if (eq <= 0 || eq == text.Length - 1)
                throw new ModelOptException(ErrorCode.InvalidStatePairing, null, $"invalid {OptionNames.State.Name} '{text}': expected OUTPUT=INPUT, for example stateN=state.");
            if (!map.TryAdd(text[..eq].Trim(), text[(eq + 1)..].Trim()))
                throw new ModelOptException(ErrorCode.InvalidStatePairing, null, $"invalid {OptionNames.State.Name} '{text}': output '{text[..eq].Trim()}' is paired more than once.");
        }
        return new StatePairs(map);
    }

    public static StatePairs Of(IReadOnlyDictionary<string, string> outputToInput) =>
        new(new Dictionary<string, string>(outputToInput, StringComparer.Ordinal));

    /// <summary>These pairs with <paramref name="others"/> (the CLI's) taking precedence over them (a config's).</summary>
    public StatePairs With(StatePairs others)
    {
        var merged = new Dictionary<string, string>(OutputToInput, StringComparer.Ordinal);
        foreach (var (o, i) in others.OutputToInput) merged[o] = i;
        return new StatePairs(merged);
    }

    /// <summary>
    /// Checks every pair against <paramref name="model"/> (after shape inference with the run's
    /// bindings): the output and input exist, have one element type, and where both shapes are
    /// known they agree; the input has a starting value bound. Throws MOPT2021 naming the culprit.
    /// </summary>
    public void CheckAgainst(Model model)
    {
        static string Pair(string outName, string inName) => OptionNames.State.With($"{outName}={inName}");
        string file = model.SourcePath ?? "(model)";
        var inputs = model.Graph.Inputs.Where(v => v.Initializer is null).ToList();
        var outputs = model.Graph.Outputs;
        var fed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (outName, inName) in OutputToInput)
        {
            var output = outputs.FirstOrDefault(o => o.Name == outName)
                ?? throw new ModelOptException(ErrorCode.InvalidStatePairing, file, $"{Pair(outName, inName)}: the model has no output '{outName}'; its outputs are: {string.Join(", ", outputs.Select(o => o.Name))}.");
            var input = inputs.FirstOrDefault(i => i.Name == inName)
                ?? throw new ModelOptException(ErrorCode.InvalidStatePairing, file, $"{Pair(outName, inName)}: the model has no input '{inName}'; its inputs are: {string.Join(", ", inputs.Select(i => i.Name))}.");
            if (!fed.Add(inName))
                throw new ModelOptException(ErrorCode.InvalidStatePairing, file, $"{Pair(outName, inName)}: input '{inName}' is fed by two outputs.");
            if (output.ElementType != input.ElementType && output.ElementType != Onnx.TensorProto.Types.DataType.Undefined)
                throw new ModelOptException(ErrorCode.InvalidStatePairing, file, $"{Pair(outName, inName)}: output '{outName}' is {DataTypes.Name(output.ElementType)} but input '{inName}' takes {DataTypes.Name(input.ElementType)}.");
            if (output.Shape is { IsFullyKnown: true } os && input.Shape is { IsFullyKnown: true } ins && !os.Dims.SequenceEqual(ins.Dims))
                throw new ModelOptException(ErrorCode.InvalidStatePairing, file, $"{Pair(outName, inName)}: output '{outName}' has shape {os} but input '{inName}' is {ins}.");
            if (input.BoundValue is null)
                throw new ModelOptException(ErrorCode.InvalidStatePairing, file, $"{Pair(outName, inName)}: the state needs a starting value; bind one with {OptionNames.Value.With($"{inName}=zeros")} (or a .npy file).");
        }
    }
}
