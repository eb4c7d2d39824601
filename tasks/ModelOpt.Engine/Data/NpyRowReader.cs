using Microsoft.Win32.SafeHandles;
using ModelOpt.Engine.IR;
using DataType = ModelOpt.Engine.Onnx.TensorProto.Types.DataType;

namespace ModelOpt.Engine.Data;

/// <summary>Reads slices of a <c>.npy</c> array along its first dimension straight from the file.</summary>
public sealed class NpyRowReader : IDisposable
{
    private readonly SafeFileHandle _handle;
    private readonly long _dataOffset;
    private readonly long _rowBytes;

    internal NpyRowReader(SafeFileHandle handle, string path, long[] shape, DataType type, long dataOffset)
    {
        _handle = handle;
        Path = path;
        Shape = shape;
        DataType = type;
        _dataOffset = dataOffset;
        _rowBytes = DataTypes.ByteSize(type, shape.Skip(1).Aggregate(1L, (a, d) => a * d));
    }

    public string Path { get; }

    /// <summary>The whole array's shape; the first dimension counts rows.</summary>
    public long[] Shape { get; }

    public DataType DataType { get; }

    /// <summary>Rows along the first dimension; a scalar is one row of its own.</summary>
    public long Rows => Shape.Length == 0 ? 1 : Shape[0];

    /// <summary>Rows [start, start + count) as one array of shape [count, …].</summary>
    public NpyArray ReadRows(long start, int count)
    {
        if (start < 0 || count < 0 || start + count > Rows) throw new ArgumentOutOfRangeException(nameof(start), $"rows {start}..{start + count} are outside 0..{Rows}.");
        var data = new byte[_rowBytes * count];
        long offset = _dataOffset + start * _rowBytes;
        int done = 0;
        while (done < data.Length)
        {
            int n = RandomAccess.Read(_handle, data.AsSpan(done), offset + done);
            if (n == 0) throw new EndOfStreamException($"{Path} ends early.");
            done += n;
        }
        var shape = (long[])Shape.Clone();
        shape[0] = count;
        return new NpyArray(shape, DataType, data);
    }

    public void Dispose() => _handle.Dispose();
}
