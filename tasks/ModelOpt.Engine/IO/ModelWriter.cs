using Google.Protobuf;
using ModelOpt.Engine.Diagnostics;
using ModelOpt.Engine.IR;
using ModelOpt.Engine.Onnx;

namespace ModelOpt.Engine.IO;

/// <summary>
/// Writes the IR back to an ONNX file, atomically: the model (and its external data file, if any)
/// are written to temporary files and renamed into place only when complete.
/// </summary>
public static class ModelWriter
{
    public static void Save(Model model, string path, SaveOptions? options = null)
    {
        options ??= SaveOptions.Default;
        string full = Path.GetFullPath(path);
        if (model.SourcePath is not null && string.Equals(Path.GetFullPath(model.SourcePath), full, StringComparison.Ordinal))
            throw new ModelOptException(ErrorCode.OutputWouldOverwriteSource, path, "the output path is the source model itself; ModelOpt never modifies the source model. Choose another output path.");

        string? dir = Path.GetDirectoryName(full);
        if (dir is not null && !Directory.Exists(dir))
        {
            try
            {
                Directory.CreateDirectory(dir);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new ModelOptException(ErrorCode.ModelWriteFailed, path, $"could not create the output folder: {e.Message}", e);
            }
        }

        string dataName = options.ExternalDataFileName ?? Path.GetFileName(full) + ".data";
        string dataPath = Path.Combine(dir ?? ".", dataName);
        bool external = UseExternalData(model, options);
        string modelTemp = AtomicFile.TempPathFor(full);
        string? dataTemp = null;
        string? dataBackup = null;
        bool dataPlaced = false;
        try
        {
            ModelProto proto;
            if (external)
            {
                dataTemp = AtomicFile.TempPathFor(dataPath);
                long written;
                using (var data = new ExternalDataWriter(dataTemp, dataName, options.ExternalDataThreshold))
                {
                    proto = ToProto(model, data);
                    data.Complete();
                    written = data.BytesWritten;
                }
                if (written == 0)
                {
                    AtomicFile.TryDelete(dataTemp);
                    dataTemp = null;
                }
            }
            else
            {
                proto = ToProto(model, null);
            }

            using (var stream = new FileStream(modelTemp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                proto.WriteTo(stream);
                stream.Flush(flushToDisk: false);
            }

            // Both files are complete. Put the data in place first, keeping any earlier data file
            // aside so that, if the model cannot follow, the earlier pair is restored as it was.
            if (dataTemp is not null)
            {
                if (File.Exists(dataPath))
                {
                    dataBackup = AtomicFile.TempPathFor(dataPath);
                    File.Move(dataPath, dataBackup);
                }
                File.Move(dataTemp, dataPath);
                dataPlaced = true;
            }
            File.Move(modelTemp, full, overwrite: true);
            if (dataBackup is not null) AtomicFile.TryDelete(dataBackup);
        }
        catch (Exception e)
        {
            AtomicFile.TryDelete(modelTemp);
            if (dataTemp is not null) AtomicFile.TryDelete(dataTemp);
            if (dataPlaced) AtomicFile.TryDelete(dataPath);
            if (dataBackup is not null) TryRestore(dataBackup, dataPath);
            if (e is IOException or UnauthorizedAccessException)
                throw new ModelOptException(ErrorCode.ModelWriteFailed, path, $"could not write the model: {e.Message}", e);
            throw;
        }
    }

    private static void TryRestore(string backup, string original)
    {
        try
        {
            File.Move(backup, original, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The earlier data file stays under the backup name; nothing better can be done here.
        }
    }

    /// <summary>Writes to a stream (everything inline).</summary>
    public static void Save(Model model, Stream stream) => ToProto(model, null).WriteTo(stream);

    /// <summary>The whole model as one protobuf message; tensors are shared, not copied.</summary>
    public static ModelProto ToProto(Model model, ExternalDataWriter? externalData = null)
    {
        var proto = model.Template.Clone();
        proto.Graph = ToProto(model.Graph, externalData);
        return proto;
    }

    private static bool UseExternalData(Model model, SaveOptions options)
    {
        if (options.ExternalData == ExternalDataMode.Never) return false;
        if (options.ExternalData == ExternalDataMode.Always) return true;
        long total = 0;
        foreach (var v in model.Graph.Initializers)
        {
            if (v.Initializer!.IsExternal) return true;
            total += v.Initializer.ByteSize;
        }
        return total > options.InlineLimit;
    }

    internal static GraphProto ToProto(Graph graph, ExternalDataWriter? externalData)
    {
        var proto = graph.Template.Clone();
        foreach (var v in graph.Inputs) proto.Input.Add(Declaration(v));
        foreach (var v in graph.Initializers) proto.Initializer.Add(TensorForSave(v.Initializer!, externalData));

        var written = new HashSet<Value>(ReferenceEqualityComparer.Instance);
        foreach (var v in graph.Inputs) written.Add(v);
        foreach (var v in graph.Outputs) written.Add(v);
        foreach (var node in graph.Nodes)
        {
            var np = node.Proto.Clone();
            np.Input.Clear();
            np.Output.Clear();
            foreach (var input in node.Inputs) np.Input.Add(input?.Name ?? "");
            foreach (var output in node.Outputs) np.Output.Add(output?.Name ?? "");
            foreach (var attr in np.Attribute)
            {
                if (node.Subgraphs.TryGetValue(attr.Name, out var sub)) attr.G = ToProto(sub, externalData);
                for (int i = 0; node.Subgraphs.TryGetValue($"{attr.Name}[{i}]", out var item); i++) attr.Graphs.Add(ToProto(item, externalData));
                // Exporters such as paddle2onnx keep every weight in a Constant node, so its value
                // moves to (and back from) external data like an initializer does.
                if (attr.T is not null && node.ConstantOutput is { } constant
                    && (ExternalDataLocations.IsExternal(attr.T) || externalData?.ShouldWrite(constant) == true))
                    attr.T = TensorForSave(constant, externalData);
            }
            proto.Node.Add(np);
        }

        foreach (var v in graph.Values)
        {
            if (v.Declaration is null || written.Contains(v) || v.Initializer is not null) continue;
            proto.ValueInfo.Add(Declaration(v));
        }
        foreach (var v in graph.Outputs) proto.Output.Add(Declaration(v));
        return proto;
    }

    private static TensorProto TensorForSave(Tensor tensor, ExternalDataWriter? externalData)
    {
        if (externalData is not null && externalData.ShouldWrite(tensor)) return externalData.Write(tensor);
        return tensor.IsExternal ? tensor.ToInlineProto() : tensor.Proto;
    }

    private static ValueInfoProto Declaration(Value v)
    {
        if (v.Declaration is { } d)
        {
            if (d.Name == v.Name) return d;
            var renamed = d.Clone();
            renamed.Name = v.Name;
            return renamed;
        }
        var info = new ValueInfoProto { Name = v.Name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)v.ElementType } } };
        if (v.Shape is { } shape)
        {
            var sp = new TensorShapeProto();
            foreach (var dim in shape.Dims)
            {
                var dp = new TensorShapeProto.Types.Dimension();
                if (dim.Value is long value) dp.DimValue = value;
                else if (dim.Symbol is { } symbol) dp.DimParam = symbol;
                sp.Dim.Add(dp);
            }
            info.Type.TensorType.Shape = sp;
        }
        return info;
    }
}
