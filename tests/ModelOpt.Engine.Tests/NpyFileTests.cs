using System.Text;
using ModelOpt.Engine.Data;
using ModelOpt.Engine.Diagnostics;
using DataType = ModelOpt.Engine.Onnx.TensorProto.Types.DataType;

namespace ModelOpt.Engine.Tests;

[TestClass]
public sealed class NpyFileTests
{
    private string _folder = "";

    [TestInitialize]
    public void CreateFolder() => _folder = Directory.CreateTempSubdirectory("npy-tests-").FullName;

    [TestCleanup]
    public void DeleteFolder() => Directory.Delete(_folder, recursive: true);

    private string PathOf(string name) => Path.Combine(_folder, name);

    [TestMethod]
    public void FloatsRoundTrip()
    {
        float[] values = [0f, 1.5f, -2.25f, float.MaxValue, float.Epsilon, 3f];
        NpyFile.Write(PathOf("a.npy"), [2, 3], values);

        var array = NpyFile.Read(PathOf("a.npy"));

        CollectionAssert.AreEqual(new long[] { 2, 3 }, array.Shape);
        Assert.AreEqual(DataType.Float, array.DataType);
        CollectionAssert.AreEqual(values, array.ToFloats());
    }

    [TestMethod]
    public void Int64sRoundTripAsAOneDimensionalArray()
    {
        long[] values = [long.MinValue, -1, 0, 7, long.MaxValue];
        NpyFile.Write(PathOf("labels.npy"), [5], values);

        var array = NpyFile.Read(PathOf("labels.npy"));

        CollectionAssert.AreEqual(new long[] { 5 }, array.Shape);
        Assert.AreEqual(DataType.Int64, array.DataType);
        CollectionAssert.AreEqual(values, array.ToInt64s());
    }

    [TestMethod]
    public void EveryElementTypeRoundTrips()
    {
        AssertRoundTrip(new double[] { 1.0 / 3, -1e300 }, DataType.Double);
        AssertRoundTrip(new int[] { int.MinValue, 42 }, DataType.Int32);
        AssertRoundTrip(new byte[] { 0, 255 }, DataType.Uint8);
        AssertRoundTrip(new sbyte[] { -128, 127 }, DataType.Int8);
        AssertRoundTrip(new Half[] { (Half)0.5f, Half.MaxValue }, DataType.Float16);
    }

    private void AssertRoundTrip<T>(T[] values, DataType expected) where T : unmanaged
    {
        string path = PathOf($"{typeof(T).Name}.npy");
        NpyFile.Write(path, [values.Length], values);
        var array = NpyFile.Read(path);
        Assert.AreEqual(expected, array.DataType);
        CollectionAssert.AreEqual(values, array.Span<T>().ToArray());
    }

    [TestMethod]
    public void ScalarAndEmptyArraysRoundTrip()
    {
        NpyFile.Write(PathOf("scalar.npy"), [], new float[] { 4f });
        NpyFile.Write(PathOf("empty.npy"), [0, 3], Array.Empty<float>());

        var scalar = NpyFile.Read(PathOf("scalar.npy"));
        var empty = NpyFile.Read(PathOf("empty.npy"));

        Assert.IsEmpty(scalar.Shape);
        CollectionAssert.AreEqual(new[] { 4f }, scalar.ToFloats());
        CollectionAssert.AreEqual(new long[] { 0, 3 }, empty.Shape);
        Assert.AreEqual(0L, empty.ElementCount);
    }

    [TestMethod]
    public void WrittenHeaderIsWhatNumpyReadsAndAlignsDataTo64Bytes()
    {
        NpyFile.Write(PathOf("a.npy"), [2, 3], new float[6]);
        byte[] bytes = File.ReadAllBytes(PathOf("a.npy"));

        int headerLength = BitConverter.ToUInt16(bytes, 8);
        Assert.AreEqual(0, (10 + headerLength) % 64);
        Assert.AreEqual(10 + headerLength + 6 * 4, bytes.Length);
        string header = Encoding.Latin1.GetString(bytes, 10, headerLength);
        Assert.StartsWith("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", header);
        Assert.EndsWith("\n", header);
        Assert.AreEqual(1, bytes[6]);
        Assert.AreEqual(0, bytes[7]);
    }

    [TestMethod]
    public void ReadsAHeaderWrittenByteByByteAsNumpyWritesIt()
    {
        // np.save(f, np.array([[1, 2, 3]], dtype='<i4')) with numpy 1.26: version 1.0, the dict
        // padded with spaces (numpy leaves room for the first dimension to grow) to a 128-byte prefix.
        string dict = "{'descr': '<i4', 'fortran_order': False, 'shape': (1, 3), }";
        string header = dict + new string(' ', 128 - 10 - dict.Length - 1) + "\n";
        var file = new List<byte> { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0, (byte)header.Length, 0 };
        file.AddRange(Encoding.ASCII.GetBytes(header));
        foreach (int v in new[] { 1, 2, 3 }) file.AddRange(BitConverter.GetBytes(v));
        File.WriteAllBytes(PathOf("numpy.npy"), file.ToArray());

        var array = NpyFile.Read(PathOf("numpy.npy"));

        CollectionAssert.AreEqual(new long[] { 1, 3 }, array.Shape);
        Assert.AreEqual(DataType.Int32, array.DataType);
        CollectionAssert.AreEqual(new long[] { 1, 2, 3 }, array.ToInt64s());
    }

    [TestMethod]
    public void ReadsVersion2HeadersWithOtherKeyOrderAndSpacing()
    {
        string header = "{ 'shape':(2,),'fortran_order':False, \"descr\":'|u1' }\n";
        var file = new List<byte> { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 2, 0 };
        file.AddRange(BitConverter.GetBytes((uint)header.Length));
        file.AddRange(Encoding.ASCII.GetBytes(header));
        file.AddRange([7, 9]);
        File.WriteAllBytes(PathOf("v2.npy"), file.ToArray());

        var array = NpyFile.Read(PathOf("v2.npy"));

        Assert.AreEqual(DataType.Uint8, array.DataType);
        CollectionAssert.AreEqual(new[] { 7f, 9f }, array.ToFloats());
    }

    [TestMethod]
    [DataRow("{'descr': '<f4', 'fortran_order': True, 'shape': (1,), }", "Fortran")]
    [DataRow("{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }", "big-endian")]
    [DataRow("{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }", "not supported")]
    [DataRow("{'descr': '<f4', 'shape': (1,), }", "malformed")]
    [DataRow("{'descr': '<f4', 'fortran_order': False, 'shape': (1,) ", "malformed")]
    [DataRow("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", "needs 8 data bytes but the file holds 4")]
    public void RefusesBadHeadersNamingTheFile(string dict, string reason)
    {
        string path = PathOf("bad.npy");
        string header = dict + "\n";
        var file = new List<byte> { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0, (byte)header.Length, 0 };
        file.AddRange(Encoding.ASCII.GetBytes(header));
        file.AddRange(BitConverter.GetBytes(1f));
        File.WriteAllBytes(path, file.ToArray());

        var e = Assert.ThrowsExactly<ModelOptException>(() => NpyFile.Read(path));

        Assert.AreEqual(path, e.File);
        Assert.AreEqual(ErrorCode.DataFileInvalid, e.Code);
        Assert.Contains(reason, e.Message);
    }

    [TestMethod]
    public void RefusesFilesThatAreNotNpy()
    {
        File.WriteAllText(PathOf("text.npy"), "hello, world");
        File.WriteAllBytes(PathOf("truncated.npy"), [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0, 200, 0, (byte)'{']);
        File.WriteAllBytes(PathOf("v9.npy"), [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 9, 0, 0, 0]);

        Assert.Contains("magic", Assert.ThrowsExactly<ModelOptException>(() => NpyFile.Read(PathOf("text.npy"))).Message);
        Assert.Contains("ends inside", Assert.ThrowsExactly<ModelOptException>(() => NpyFile.Read(PathOf("truncated.npy"))).Message);
        Assert.Contains("version 9.0", Assert.ThrowsExactly<ModelOptException>(() => NpyFile.Read(PathOf("v9.npy"))).Message);
        var missing = Assert.ThrowsExactly<ModelOptException>(() => NpyFile.Read(PathOf("missing.npy")));
        Assert.AreEqual(PathOf("missing.npy"), missing.File);
    }

    [TestMethod]
    public void WriteReplacesAnExistingFileAndLeavesNoTemporaryFiles()
    {
        NpyFile.Write(PathOf("a.npy"), [3], new float[] { 1, 2, 3 });
        NpyFile.Write(PathOf("a.npy"), [1], new float[] { 9 });

        CollectionAssert.AreEqual(new[] { 9f }, NpyFile.Read(PathOf("a.npy")).ToFloats());
        CollectionAssert.AreEqual(new[] { "a.npy" }, Directory.GetFiles(_folder).Select(Path.GetFileName).ToArray());
    }

    [TestMethod]
    public void ShapeMustMatchTheValues() =>
        Assert.ThrowsExactly<ArgumentException>(() => NpyFile.Write(PathOf("a.npy"), [2, 2], new float[3]));
}
