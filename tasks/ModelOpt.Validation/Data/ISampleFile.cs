using ModelOpt.Engine.Data;
using ModelOpt.Engine.Diagnostics;
using ModelOpt.Engine.IR;
using ModelOpt.Engine.Onnx;
using DataType = ModelOpt.Engine.Onnx.TensorProto.Types.DataType;

namespace ModelOpt.Validation.Data;

/// <summary>One file of sample data: a run of rows (samples) of one input, read on demand.</summary>
internal interface ISampleFile : IDisposable
{
    string Path { get; }

    /// <summary>The tensor's own name (a TensorProto's <c>name</c>), when the file records one.</summary>
    string? TensorName { get; }

    DataType DataType { get; }

    /// <summary>Shape of one sample (without the batch dimension).</summary>
    long[] RowShape { get; }

    long Rows { get; }

    byte[] ReadRows(long start, int count);
}

/// <summary>
/// Opens sample files. <paramref name="inputRank"/> decides whether the first dimension counts
/// samples: a file of the input's full rank is a batch, a file of one rank less is a single sample.
/// </summary>
internal static class SampleFiles
{
    public static ISampleFile Open(string path, int inputRank)
    {
        string ext = System.IO.Path.GetExtension(path).ToLowerInvariant();
        return ext switch
        {
            ".npy" => new NpySampleFile(NpyFile.OpenRows(path), inputRank),
            ".pb" => new ProtoSampleFile(path, inputRank),
            _ => throw new ModelOptException(ErrorCode.DataFileInvalid, path, "sample files must be .npy or .pb (TensorProto)."),
        };
    }

    public static bool IsSampleFile(string path)
    {
        string ext = System.IO.Path.GetExtension(path).ToLowerInvariant();
        string stem = System.IO.Path.GetFileNameWithoutExtension(path);
        return (ext is ".npy" or ".pb") && !stem.Equals("labels", StringComparison.OrdinalIgnoreCase);
    }

    private sealed class NpySampleFile : ISampleFile
    {
        private readonly NpyRowReader _reader;
        private readonly bool _single;

        public NpySampleFile(NpyRowReader reader, int inputRank)
        {
            _reader = reader;
            _single = reader.Shape.Length == inputRank - 1;
            if (!_single && reader.Shape.Length == 0)
            {
                reader.Dispose();
                throw new ModelOptException(ErrorCode.DataFileInvalid, reader.Path, "the array is a scalar, but the input it feeds takes a batch of samples along its first dimension.");
            }
            RowShape = _single ? reader.Shape : reader.Shape[1..];
        }

        public string Path => _reader.Path;
        public string? TensorName => null;
        public DataType DataType => _reader.DataType;
        public long[] RowShape { get; }
        public long Rows => _single ? 1 : _reader.Rows;

        public byte[] ReadRows(long start, int count) =>
            _single ? File.ReadAllBytes(Path)[^(int)DataTypes.ByteSize(DataType, RowShape.Aggregate(1L, (a, d) => a * d))..] : _reader.ReadRows(start, count).Data;

        public void Dispose() => _reader.Dispose();
    }

    private sealed class ProtoSampleFile : ISampleFile
    {
        private readonly Tensor _tensor;
        private readonly long _rowBytes;
        private readonly bool _single;

        public ProtoSampleFile(string path, int inputRank)
        {
            Path = path;
            TensorProto proto;
            try
            {
                using var stream = File.OpenRead(path);
                proto = TensorProto.Parser.ParseFrom(stream);
            }
            catch (Exception e) when (e is IOException or Google.Protobuf.InvalidProtocolBufferException)
            {
                throw new ModelOptException(ErrorCode.DataFileInvalid, path, $"not a serialized TensorProto: {e.Message}", e);
            }
            if (!proto.HasDataType || proto.DataType == 0)
                throw new ModelOptException(ErrorCode.DataFileInvalid, path, "not a serialized TensorProto: it has no data type.");
            if (proto.HasDataLocation && proto.DataLocation == TensorProto.Types.DataLocation.External)
                throw new ModelOptException(ErrorCode.DataFileInvalid, path, "sample tensors with external data are not supported.");
            _tensor = Tensor.FromProto(proto);
            long[] dims = _tensor.Dims;
            _single = dims.Length == inputRank - 1;
            if (!_single && dims.Length == 0)
                throw new ModelOptException(ErrorCode.DataFileInvalid, path, "the tensor is a scalar; samples need a shape.");
            RowShape = _single ? dims : dims[1..];
            _rowBytes = DataTypes.ByteSize(_tensor.DataType, RowShape.Aggregate(1L, (a, d) => a * d));
            long expected = _rowBytes * Rows;
            if (_tensor.DataType == DataType.String || _tensor.Bytes.Length != expected)
                throw new ModelOptException(ErrorCode.DataFileInvalid, path, $"the tensor's data ({_tensor.Bytes.Length} bytes) does not match its shape [{string.Join(", ", dims)}].");
            TensorName = proto.Name.Length > 0 ? proto.Name : null;
        }

        public string Path { get; }
        public string? TensorName { get; }
        public DataType DataType => _tensor.DataType;
        public long[] RowShape { get; }
        public long Rows => _single ? 1 : _tensor.Dims[0];

        public byte[] ReadRows(long start, int count) => _tensor.Bytes.Slice((int)(start * _rowBytes), (int)(count * _rowBytes)).ToArray();

        public void Dispose()
        {
        }
    }
}
