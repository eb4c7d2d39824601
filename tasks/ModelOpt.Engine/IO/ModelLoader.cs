using Google.Protobuf;
using ModelOpt.Engine.Diagnostics;
using ModelOpt.Engine.IR;
using ModelOpt.Engine.Onnx;

namespace ModelOpt.Engine.IO;

/// <summary>
/// Reads ONNX files into the IR. Every way a file can be wrong ends in one
/// <see cref="ModelOptException"/> that names the file and the problem.
/// </summary>
public static class ModelLoader
{
    public static Model Load(string path)
    {
        string full = Path.GetFullPath(path);
        if (!File.Exists(full))
            throw new ModelOptException(ErrorCode.ModelFileNotFound, path, "the model file does not exist.");
        if (FileLength.Of(full) == 0)
            throw new ModelOptException(ErrorCode.ModelFileEmpty, path, "the model file is empty.");

        ModelProto proto;
        try
        {
            using var stream = new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            proto = Parse(stream);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new ModelOptException(ErrorCode.ModelNotProtobuf, path, $"not an ONNX model: the file is not a valid protobuf message ({Describe(e)}).", e);
        }
        catch (IOException e)
        {
            throw new ModelOptException(ErrorCode.ModelNotProtobuf, path, $"the model file could not be read: {e.Message}", e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new ModelOptException(ErrorCode.ModelNotProtobuf, path, $"the model file could not be read: {e.Message}", e);
        }
        return FromProto(proto, path);
    }

    /// <summary>Loads from a stream; external data is then refused (there is no folder to resolve it in).</summary>
    public static Model Load(Stream stream, string displayName)
    {
        ModelProto proto;
        try
        {
            proto = Parse(stream);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new ModelOptException(ErrorCode.ModelNotProtobuf, displayName, $"not an ONNX model: the data is not a valid protobuf message ({Describe(e)}).", e);
        }
        return FromProto(proto, displayName, fromFile: false);
    }

    /// <summary>Builds the IR over an already parsed message (which the model then owns).</summary>
    public static Model FromProto(ModelProto proto, string displayName, bool fromFile = true)
    {
        CheckLooksLikeOnnx(proto, displayName);
        var graphProto = proto.Graph;
        proto.Graph = null;
        var model = new Model(proto, fromFile ? displayName : null);
        string? baseDir = model.BaseDirectory;
        model.ExternalDataResolver = t => ExternalDataLocations.Resolve(t, baseDir, displayName);
        model.Graph = new GraphReader(model, displayName).Read(graphProto, parent: null, owner: null);
        return model;
    }

    private static ModelProto Parse(Stream stream)
    {
        // Models can hold deep subgraph nesting; the default limit of 100 is ample and stops
        // hostile input from recursing without end.
        using var input = new CodedInputStream(stream, leaveOpen: true);
        var proto = ModelProto.Parser.ParseFrom(input);
        return proto;
    }

    private static void CheckLooksLikeOnnx(ModelProto proto, string file)
    {
        // Protobuf is permissive: random bytes or another message type can parse into a
        // ModelProto made only of unknown fields. An ONNX model has a graph and an IR version.
        if (proto.Graph is null)
            throw new ModelOptException(ErrorCode.ModelNotOnnx, file, "not an ONNX model: the protobuf message has no graph.");
        if (!proto.HasIrVersion || proto.IrVersion <= 0 || proto.IrVersion > 100)
            throw new ModelOptException(ErrorCode.ModelNotOnnx, file, $"not an ONNX model: the IR version is {(proto.HasIrVersion ? proto.IrVersion.ToString() : "missing")}.");
        if (proto.IrVersion >= 3 && proto.OpsetImport.Count == 0)
            throw new ModelOptException(ErrorCode.ModelNotOnnx, file, "not an ONNX model: it imports no operator set.");
    }

    private static string Describe(InvalidProtocolBufferException e) =>
        e.Message.Contains("truncated", StringComparison.OrdinalIgnoreCase) ? "it is truncated" : e.Message.TrimEnd('.');
}
