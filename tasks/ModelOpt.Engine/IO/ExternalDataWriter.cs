using ModelOpt.Engine.IR;
using ModelOpt.Engine.Onnx;

namespace ModelOpt.Engine.IO;

/// <summary>Appends tensors to an external data file and hands back messages that point into it.</summary>
public sealed class ExternalDataWriter : IDisposable
{
    // ONNX Runtime can memory-map aligned tensors; 64 bytes also suits vector loads.
    private const int Alignment = 64;
    private readonly FileStream _stream;
    private readonly string _location;
    private readonly long _threshold;

    public ExternalDataWriter(string path, string location, long threshold)
    {
        _stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
        _location = location;
        _threshold = threshold;
    }

    public long BytesWritten => _stream.Length;

    public bool ShouldWrite(Tensor tensor) => tensor.DataType != TensorProto.Types.DataType.String && tensor.ByteSize >= _threshold;

    public TensorProto Write(Tensor tensor)
    {
        long pad = (Alignment - _stream.Position % Alignment) % Alignment;
        for (long i = 0; i < pad; i++) _stream.WriteByte(0);
        long offset = _stream.Position;
        _stream.Write(tensor.Bytes);

        var proto = tensor.Proto.Clone();
        proto.ClearRawData();
        proto.FloatData.Clear();
        proto.Int32Data.Clear();
        proto.Int64Data.Clear();
        proto.DoubleData.Clear();
        proto.Uint64Data.Clear();
        proto.ExternalData.Clear();
        proto.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = _location });
        proto.ExternalData.Add(new StringStringEntryProto { Key = "offset", Value = offset.ToString() });
        proto.ExternalData.Add(new StringStringEntryProto { Key = "length", Value = tensor.ByteSize.ToString() });
        proto.DataLocation = TensorProto.Types.DataLocation.External;
        return proto;
    }

    public void Complete() => _stream.Flush(flushToDisk: false);

    public void Dispose() => _stream.Dispose();
}
