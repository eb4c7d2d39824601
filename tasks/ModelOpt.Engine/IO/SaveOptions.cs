namespace ModelOpt.Engine.IO;

public enum ExternalDataMode
{
    /// <summary>Keep tensors that were external external; move large tensors out only when the file would pass protobuf's 2 GB limit.</summary>
    Auto,
    /// <summary>Every tensor at or above <see cref="SaveOptions.ExternalDataThreshold"/> bytes goes to the external file.</summary>
    Always,
    /// <summary>Everything inline (fails for models over 2 GB).</summary>
    Never,
}

public sealed record SaveOptions
{
    public ExternalDataMode ExternalData { get; init; } = ExternalDataMode.Auto;

    /// <summary>Tensors smaller than this stay inline even when external data is written.</summary>
    public long ExternalDataThreshold { get; init; } = 1024;

    /// <summary>Name of the external data file, beside the model; default <c>MODEL.onnx.data</c>.</summary>
    public string? ExternalDataFileName { get; init; }

    /// <summary>Above this many bytes of weights, Auto mode writes external data (protobuf caps a message at 2 GB).</summary>
    public long InlineLimit { get; init; } = 1_800_000_000;

    public static SaveOptions Default { get; } = new();
}
