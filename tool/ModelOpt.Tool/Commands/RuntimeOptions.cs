using System.CommandLine;
using ModelOpt.Engine.Config;
using ModelOpt.Engine.Diagnostics;
using ModelOpt.Tool.Output;
using ModelOpt.Validation;

namespace ModelOpt.Tool.Commands;

/// <summary>
/// The ONNX Runtime session options a deployment chooses (<c>--intra-op-threads</c>,
/// <c>--graph-optimization</c>, <c>--execution-provider</c>) and, for commands that batch samples,
/// <c>--memory-cap</c>; shared by optimize, validate, check and analyze. Unset options fall back to
/// modelopt.json's <c>runtime</c> section (optimize), then to ONNX Runtime's own defaults.
/// </summary>
internal sealed class RuntimeOptions
{
    // One name for one setting in all three front ends: --intra-op-threads, IntraOpThreads, runtime.intraOpThreads.
    // --threads, its former name, still works and says so.
    private const string Threads = "--intra-op-threads", FormerThreads = "--threads";
    private readonly Option<string?> _threads = new(Threads, FormerThreads) { Description = "ONNX Runtime intra-op threads latency is measured with, as the application will run the model; 0 = ONNX Runtime's default, one per core (the default; modelopt.json runtime.intraOpThreads, MSBuild IntraOpThreads). --threads is its former name, still accepted." };
    private readonly Option<string?> _optimization = new("--graph-optimization") { Description = "ONNX Runtime graph optimization level: disabled, basic, extended or all (the default; runtime.graphOptimization)." };
    private readonly Option<string?> _provider = new("--execution-provider") { Description = "ONNX Runtime execution provider: cpu (the default), cuda, tensorrt, dml, … — it must be in the installed ONNX Runtime (runtime.executionProvider)." };
    private readonly Option<string?>? _memoryCap;

    private readonly ToolConsole _console;

    public RuntimeOptions(ToolConsole console, bool memoryCap = true)
    {
        _console = console;
        if (memoryCap)
            _memoryCap = new Option<string?>("--memory-cap") { Description = "Memory the batched runs (calibration, refit, validation) may take, the whole process included; batch sizes are chosen under it, e.g. 4GiB (default: half the memory available at start; runtime.memoryCap)." };
    }

    public void AddTo(Command command)
    {
        command.Options.Add(_threads);
        command.Options.Add(_optimization);
        command.Options.Add(_provider);
        if (_memoryCap is not null) command.Options.Add(_memoryCap);
    }

    /// <summary>The options given on the command line (unset ones null).</summary>
    public RuntimeConfig Read(ParseResult parse)
    {
        const ErrorCode code = ErrorCode.InvalidArgument;
        if (parse.GetResult(_threads)?.IdentifierToken?.Value == FormerThreads)
            _console.Error.WriteLine($"warning: {FormerThreads} is deprecated; use {Threads} (the same value), as IntraOpThreads in MSBuild and runtime.intraOpThreads in modelopt.json.");
        return new RuntimeConfig
        {
            IntraOpThreads = parse.GetValue(_threads) is { } t ? RuntimeConfig.ParseThreads(t, Threads, code, null) : null,
            GraphOptimization = parse.GetValue(_optimization) is { } g ? RuntimeConfig.ParseGraphOptimization(g, "--graph-optimization", code, null) : null,
            ExecutionProvider = parse.GetValue(_provider) is { } p ? RuntimeConfig.ParseExecutionProvider(p, "--execution-provider", code, null) : null,
            MemoryCapBytes = _memoryCap is not null && parse.GetValue(_memoryCap) is { } m ? RuntimeConfig.ParseMemoryCap(m, "--memory-cap", code, null) : null,
        };
    }

    /// <summary>Session options from the command line alone (validate, check and analyze read no config file).</summary>
    public OrtSessionSettings Session(ParseResult parse) => OrtSessionSettings.From(Read(parse));
}
