using System.CommandLine;

namespace ModelOpt.Tool.Commands;

/// <summary>The <c>--value</c>, <c>--state</c> and <c>--used-outputs</c> options, shared by the commands that run or compare a model.</summary>
internal static class ValueOption
{
    public static Option<string[]> Create() => new("--value")
    {
        Description = "Fix an input to a value on every run and in shape inference, e.g. --value sr=16000, --value state=zeros, --value h=h0.npy (repeatable; a number, zeros, ones, [list] or a .npy file).",
        Arity = ArgumentArity.ZeroOrMore,
    };

    public static Option<string[]> CreateState() => new("--state")
    {
        Description = "A streaming model's state: OUTPUT=INPUT feeds that output to that input on the next sample (repeatable), e.g. --state stateN=state; samples then run in order.",
        Arity = ArgumentArity.ZeroOrMore,
    };

    public static Option<string[]> CreateUsedOutputs() => new("--used-outputs")
    {
        Description = "The outputs the application reads, e.g. --used-outputs mask (comma-separated or repeated): only they are compared with the original, and optimize removes the others with every node only they need. Default: every output.",
        Arity = ArgumentArity.ZeroOrMore,
    };

    public static Option<string[]> CreateOutputKinds() => new("--output-kinds")
    {
        Description = "What an output is taken for when judged, e.g. --output-kinds boxes=regression (comma-separated or repeated; classes, mask, features or regression): agreement and accuracy only for classes and masks. Default: detected from its shape and values (docs/validation.md).",
        Arity = ArgumentArity.ZeroOrMore,
    };
}
