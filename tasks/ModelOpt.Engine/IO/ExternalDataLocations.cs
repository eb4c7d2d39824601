using ModelOpt.Engine.Diagnostics;
using ModelOpt.Engine.IR;
using ModelOpt.Engine.Onnx;

namespace ModelOpt.Engine.IO;

/// <summary>
/// Resolves a tensor's <c>external_data</c> entries to a file beside the model. A location that
/// would read outside the model's folder (absolute, <c>..</c>, or through a symbolic link) is
/// refused: onnx itself had path-traversal CVEs for exactly this.
/// </summary>
internal static class ExternalDataLocations
{
    public static bool IsExternal(TensorProto tensor) =>
        tensor.HasDataLocation && tensor.DataLocation == TensorProto.Types.DataLocation.External;

    public static ExternalDataRef? Resolve(TensorProto tensor, string? baseDirectory, string modelPath)
    {
        if (!IsExternal(tensor)) return null;
        string? location = null;
        long offset = 0;
        long? length = null;
        foreach (var entry in tensor.ExternalData)
        {
            switch (entry.Key)
            {
                case "location": location = entry.Value; break;
                case "offset": offset = ParseNumber(entry.Value, "offset", tensor, modelPath); break;
                case "length": length = ParseNumber(entry.Value, "length", tensor, modelPath); break;
            }
        }
        if (string.IsNullOrEmpty(location))
            throw new ModelOptException(ErrorCode.ExternalDataInvalid, modelPath, $"tensor '{tensor.Name}' is marked external but has no 'location'.");
        if (baseDirectory is null)
            throw new ModelOptException(ErrorCode.ExternalDataInvalid, modelPath, $"tensor '{tensor.Name}' uses external data, which needs the model to be loaded from a file.");

        string fullPath = CheckInsideFolder(location, baseDirectory, tensor.Name, modelPath);
        if (!File.Exists(fullPath))
            throw new ModelOptException(ErrorCode.ExternalDataMissing, modelPath, $"external data file '{location}' of tensor '{tensor.Name}' does not exist (looked for {fullPath}).");

        long fileLength = FileLength.Of(fullPath);
        long expected = DataTypes.ByteSize((TensorProto.Types.DataType)tensor.DataType, tensor.Dims.Aggregate(1L, (a, d) => a * d));
        long size = length ?? expected;
        if (offset < 0 || size < 0 || offset + size > fileLength)
            throw new ModelOptException(ErrorCode.ExternalDataInvalid, modelPath, $"tensor '{tensor.Name}' reads bytes {offset}..{offset + size} of '{location}', which has only {fileLength} bytes.");
        if (tensor.DataType != (int)TensorProto.Types.DataType.String && size != expected)
            throw new ModelOptException(ErrorCode.ExternalDataInvalid, modelPath, $"tensor '{tensor.Name}' needs {expected} bytes but its external data entry says {size}.");
        return new ExternalDataRef(fullPath, location, offset, size);
    }

    /// <summary>Returns the full path of <paramref name="location"/>, or throws when it leaves <paramref name="baseDirectory"/>.</summary>
    public static string CheckInsideFolder(string location, string baseDirectory, string tensorName, string modelPath)
    {
        ModelOptException Refuse(string why) => new(ErrorCode.ExternalDataOutsideModelFolder, modelPath,
            $"external data location '{location}' of tensor '{tensorName}' is refused: {why}. External data must be a plain file inside the model's folder.");

        if (Path.IsPathRooted(location) || location.Contains(':'))
            throw Refuse("it is an absolute path");
        var parts = location.Split('/', '\\');
        if (parts.Any(p => p == ".."))
            throw Refuse("it contains '..'");

        string root = Path.GetFullPath(baseDirectory);
        string full = Path.GetFullPath(Path.Combine(root, location));
        string rootWithSlash = root.EndsWith(Path.DirectorySeparatorChar) ? root : root + Path.DirectorySeparatorChar;
        if (!full.StartsWith(rootWithSlash, StringComparison.Ordinal))
            throw Refuse("it resolves outside the model's folder");

        // Every component below the model's folder must be a real file or folder, not a link.
        string current = root;
        foreach (var part in parts.Where(p => p.Length > 0 && p != "."))
        {
            current = Path.Combine(current, part);
            var info = new FileInfo(current);
            if (info.Exists || Directory.Exists(current))
            {
                if (info.LinkTarget is not null || new DirectoryInfo(current).LinkTarget is not null)
                    throw Refuse($"'{part}' is a symbolic link");
            }
        }
        return full;
    }

    private static long ParseNumber(string text, string key, TensorProto tensor, string modelPath) =>
        long.TryParse(text, out long v) ? v
        : throw new ModelOptException(ErrorCode.ExternalDataInvalid, modelPath, $"tensor '{tensor.Name}' has external data {key} '{text}', which is not a number.");
}
