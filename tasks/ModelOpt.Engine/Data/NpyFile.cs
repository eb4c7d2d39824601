using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using ModelOpt.Engine.Diagnostics;
using ModelOpt.Engine.IO;
using ModelOpt.Engine.IR;
using DataType = ModelOpt.Engine.Onnx.TensorProto.Types.DataType;

namespace ModelOpt.Engine.Data;

/// <summary>
/// Reads and writes NumPy <c>.npy</c> files (format versions 1.0, 2.0 and 3.0), the usual way to
/// hand sample inputs and expected outputs to ModelOpt. Only little-endian, C-order arrays of the
/// numeric types in <see cref="NpyHeader"/> are supported; anything else is refused with the file named.
/// </summary>
public static class NpyFile
{
    private static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    // numpy pads the header so the data starts on a 64-byte boundary (aligned loads, mmap).
    private const int Alignment = 64;

    public static NpyArray Read(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new ModelOptException(ErrorCode.DataFileInvalid, path, "the .npy file does not exist.", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ModelOptException(ErrorCode.DataFileInvalid, path, $"the .npy file could not be read: {e.Message}", e);
        }
        return Parse(bytes, path);
    }

    /// <summary>Parses the bytes of a <c>.npy</c> file; <paramref name="path"/> only names it in errors.</summary>
    public static NpyArray Parse(byte[] bytes, string path)
    {
        var (shape, type, dataOffset, dataBytes) = ParseHeader(bytes, path);
        long available = bytes.LongLength - dataOffset;
        if (available != dataBytes)
            throw Invalid(path, $"shape ({string.Join(", ", shape)}) of {DataTypes.Name(type)} needs {dataBytes} data bytes but the file holds {available}.");
        var data = bytes.AsSpan((int)dataOffset).ToArray();
        return new NpyArray(shape, type, data);
    }

    /// <summary>
    /// Opens a <c>.npy</c> file for reading slices along its first dimension, so a large batch of
    /// samples can be streamed without holding it all in memory.
    /// </summary>
    public static NpyRowReader OpenRows(string path)
    {
        if (!File.Exists(path)) throw new ModelOptException(ErrorCode.DataFileInvalid, path, "the .npy file does not exist.");
        try
        {
            var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            try
            {
                var prefix = new byte[12];
                int n = RandomAccess.Read(handle, prefix, 0);
                long headerLength = n >= 10 && prefix[6] == 1 ? BinaryPrimitives.ReadUInt16LittleEndian(prefix.AsSpan(8))
                    : n >= 12 ? BinaryPrimitives.ReadUInt32LittleEndian(prefix.AsSpan(8)) : 0;
                int headerEnd = (int)Math.Min(RandomAccess.GetLength(handle), 12 + Math.Min(headerLength, 1 << 20));
                var head = new byte[headerEnd];
                RandomAccess.Read(handle, head, 0);
                var (shape, type, dataOffset, dataBytes) = ParseHeader(head, path);
                if (RandomAccess.GetLength(handle) - dataOffset != dataBytes)
                    throw Invalid(path, $"shape ({string.Join(", ", shape)}) of {DataTypes.Name(type)} needs {dataBytes} data bytes but the file holds {RandomAccess.GetLength(handle) - dataOffset}.");
                return new NpyRowReader(handle, path, shape, type, dataOffset);
            }
            catch
            {
                handle.Dispose();
                throw;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ModelOptException(ErrorCode.DataFileInvalid, path, $"the .npy file could not be read: {e.Message}", e);
        }
    }

    private static (long[] Shape, DataType Type, long DataOffset, long DataBytes) ParseHeader(byte[] bytes, string path)
    {
        if (bytes.Length < Magic.Length + 2 || !bytes.AsSpan(0, Magic.Length).SequenceEqual(Magic))
            throw Invalid(path, "not a .npy file: it does not start with the NumPy magic string.");

        int major = bytes[6];
        int lengthSize = major switch
        {
            1 => 2,
            2 or 3 => 4,
            _ => throw Invalid(path, $".npy format version {major}.{bytes[7]} is not supported (1.0, 2.0 and 3.0 are)."),
        };
        int prefix = Magic.Length + 2 + lengthSize;
        if (bytes.Length < prefix) throw Invalid(path, "the file ends inside the .npy header.");
        long headerLength = lengthSize == 2
            ? BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8))
            : BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8));
        if (prefix + headerLength > bytes.Length) throw Invalid(path, "the file ends inside the .npy header.");

        // Versions 1 and 2 store the header in latin-1, version 3 in UTF-8.
        var encoding = major == 3 ? Encoding.UTF8 : Encoding.Latin1;
        string text = encoding.GetString(bytes, prefix, (int)headerLength);
        var header = NpyHeader.Parse(text, out string? error) ?? throw Invalid(path, $"the .npy header is malformed: {error}.");

        if (header.FortranOrder)
            throw Invalid(path, "the array is stored in Fortran (column-major) order; save it in C order (numpy.ascontiguousarray) instead.");
        if (header.Descr.Length > 1 && header.Descr[0] == '>' && NpyHeader.TypeFor(header.Descr) is null)
            throw Invalid(path, $"the array is big-endian ('{header.Descr}'); only little-endian data is supported (use array.astype('<{header.Descr[1..]}')).");
        var type = NpyHeader.TypeFor(header.Descr)
            ?? throw Invalid(path, $"element type '{header.Descr}' is not supported (supported: <f4, <f8, <f2, <i8, <i4, |u1, |i1, |b1).");

        long count = 1;
        foreach (long d in header.Shape)
        {
            count = d == 0 ? 0 : count > long.MaxValue / d ? throw Invalid(path, "the shape is too large.") : count * d;
        }
        return (header.Shape, type, prefix + headerLength, DataTypes.ByteSize(type, count));
    }

    public static void Write(string path, long[] shape, float[] data) => Write(path, new NpyArray(shape, DataType.Float, AsBytes(data)));

    public static void Write(string path, long[] shape, long[] data) => Write(path, new NpyArray(shape, DataType.Int64, AsBytes(data)));

    /// <summary>Writes values of a primitive type; the .npy type follows from <typeparamref name="T"/>.</summary>
    public static void Write<T>(string path, long[] shape, T[] data) where T : unmanaged =>
        Write(path, new NpyArray(shape, TypeOf<T>(), AsBytes(data)));

    /// <summary>Writes the array atomically, in the smallest format version its header fits (as numpy does).</summary>
    public static void Write(string path, NpyArray array)
    {
        byte[] header = EncodeHeader(new NpyHeader(NpyHeader.DescrFor(array.DataType), false, array.Shape));
        try
        {
            string? dir = Path.GetDirectoryName(Path.GetFullPath(path));
            if (dir is not null) Directory.CreateDirectory(dir);
            AtomicFile.Write(path, stream =>
            {
                stream.Write(header);
                stream.Write(array.Data);
            });
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ModelOptException(ErrorCode.DataFileInvalid, path, $"could not write the .npy file: {e.Message}", e);
        }
    }

    /// <summary>Magic, version, header length and the header dict padded with spaces and ended by a newline.</summary>
    internal static byte[] EncodeHeader(NpyHeader header)
    {
        string dict = header.Format();
        int major = Magic.Length + 2 + 2 + dict.Length + 1 <= ushort.MaxValue ? 1 : 2;
        int prefix = Magic.Length + 2 + (major == 1 ? 2 : 4);
        int padded = (prefix + dict.Length + 1 + Alignment - 1) / Alignment * Alignment;
        int headerLength = padded - prefix;
        string text = dict + new string(' ', headerLength - dict.Length - 1) + "\n";

        var bytes = new byte[padded];
        Magic.CopyTo(bytes, 0);
        bytes[6] = (byte)major;
        bytes[7] = 0;
        if (major == 1) BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(8), (ushort)headerLength);
        else BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(8), (uint)headerLength);
        Encoding.Latin1.GetBytes(text, bytes.AsSpan(prefix));
        return bytes;
    }

    private static DataType TypeOf<T>() where T : unmanaged => default(T) switch
    {
        float => DataType.Float,
        double => DataType.Double,
        Half => DataType.Float16,
        long => DataType.Int64,
        int => DataType.Int32,
        byte => DataType.Uint8,
        sbyte => DataType.Int8,
        bool => DataType.Bool,
        _ => throw new NotSupportedException($"{typeof(T).Name} has no .npy element type that ModelOpt writes."),
    };

    private static byte[] AsBytes<T>(T[] values) where T : unmanaged => MemoryMarshal.AsBytes(values.AsSpan()).ToArray();

    private static ModelOptException Invalid(string path, string message) => new(ErrorCode.DataFileInvalid, path, message);
}
