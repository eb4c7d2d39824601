namespace ModelOpt.Engine.Diagnostics;

/// <summary>A warning about one file (the model, unless a config or data file is meant), with its code.</summary>
public sealed record ModelOptWarning(WarningCode Code, string? File, string Message)
{
    /// <summary>Compiler style, like <see cref="ModelOptException"/>: <c>net.onnx: warning MOPT5001: …</c>.</summary>
    public override string ToString() => $"{(File is null ? "" : File + ": ")}warning {Code.Text()}: {Message}";
}
