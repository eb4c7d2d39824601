using System.Text.Json;
using ModelOpt.Engine.Cost;

namespace ModelOpt.Engine.Tests.Cost;

[TestClass]
public sealed class DeviceProbeTests
{
    private static string TempFolder() => Directory.CreateTempSubdirectory("modelopt-probe-").FullName;

    [TestMethod]
    public void MeasuresAPlausibleFigureAndCachesItPerMachine()
    {
        string folder = TempFolder();
        try
        {
            var probe = new DeviceProbe(folder);
            double flops = probe.GetFlops();
            // Any CPU this runs on does between 100 MFLOPS and 1 TFLOPS on one thread.
            Assert.IsTrue(flops is > 1e8 and < 1e12, $"{flops:E2}");
            Assert.AreEqual(Path.Combine(folder, "device.json"), probe.CacheFile);
            using var json = JsonDocument.Parse(File.ReadAllText(probe.CacheFile));
            Assert.AreEqual(flops, json.RootElement.GetProperty(DeviceProbe.MachineKey()).GetProperty("flops").GetDouble());
            // A second probe reads the cache: the same figure, exactly.
            Assert.AreEqual(flops, new DeviceProbe(folder).GetFlops());
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [TestMethod]
    public void ACachedFigureForThisMachineIsUsedAndADamagedCacheIsRemeasured()
    {
        string folder = TempFolder();
        try
        {
            string file = Path.Combine(folder, "device.json");
            File.WriteAllText(file, $$"""{ "{{DeviceProbe.MachineKey()}}": { "flops": 1234.5, "measuredUtc": "2025-01-01T00:00:00Z" } }""");
            Assert.AreEqual(1234.5, new DeviceProbe(folder).GetFlops());

            File.WriteAllText(file, "{ not json");
            Assert.IsGreaterThan(1e8, new DeviceProbe(folder).GetFlops());
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [TestMethod]
    public void TheCacheFolderComesFromTheEnvironmentWhenNotGiven()
    {
        string? before = Environment.GetEnvironmentVariable(DeviceProbe.CacheDirectoryVariable);
        try
        {
            Environment.SetEnvironmentVariable(DeviceProbe.CacheDirectoryVariable, "/tmp/modelopt-env-cache");
            Assert.AreEqual("/tmp/modelopt-env-cache/device.json", new DeviceProbe().CacheFile);
        }
        finally
        {
            Environment.SetEnvironmentVariable(DeviceProbe.CacheDirectoryVariable, before);
        }
    }
}
