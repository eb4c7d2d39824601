using System.Diagnostics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Text.Json;
using ModelOpt.Engine.IO;

namespace ModelOpt.Engine.Cost;

/// <summary>
/// Measures this machine's single-threaded float32 throughput once, with a short vectorized
/// matrix multiply, and caches the figure in <c>~/.cache/modelopt/device.json</c> (folder
/// overridable with MODELOPT_CACHE_DIR), keyed by processor count and CPU model, so later runs of
/// analyze pay nothing. The figure is what the time estimate divides FLOPs by.
/// </summary>
public sealed class DeviceProbe
{
    public const string CacheDirectoryVariable = "MODELOPT_CACHE_DIR";

    private const int MatrixSize = 192;

    public DeviceProbe(string? cacheDirectory = null)
    {
        string? fromEnv = Environment.GetEnvironmentVariable(CacheDirectoryVariable);
        string folder = cacheDirectory
            ?? (string.IsNullOrEmpty(fromEnv) ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "modelopt") : fromEnv);
        CacheFile = Path.Combine(folder, "device.json");
    }

    public string CacheFile { get; }

    /// <summary>The machine the cached figure belongs to: processor count and CPU model.</summary>
    public static string MachineKey()
    {
        string model = RuntimeInformation.ProcessArchitecture.ToString();
        try
        {
            if (File.Exists("/proc/cpuinfo"))
            {
                string? line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
                if (line is not null && line.IndexOf(':') is int colon and >= 0) model = line[(colon + 1)..].Trim();
            }
        }
        catch (IOException)
        {
            // No readable cpuinfo: the architecture alone keys the cache.
        }
        return $"{Environment.ProcessorCount} x {model}";
    }

    /// <summary>The cached figure for this machine, measuring (≈0.3 s) and caching it the first time.</summary>
    public double GetFlops()
    {
        string key = MachineKey();
        var cache = ReadCache();
        if (cache.TryGetValue(key, out var entry) && entry.Flops > 0) return entry.Flops;
        double flops = Measure(TimeSpan.FromMilliseconds(300));
        cache[key] = new DeviceEntry(flops, DateTimeOffset.UtcNow);
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(CacheFile)!);
            AtomicFile.WriteAllText(CacheFile, JsonSerializer.Serialize(cache, JsonOptions));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A read-only home only costs a re-measurement next time.
        }
        return flops;
    }

    /// <summary>
    /// Multiplies two square float matrices repeatedly on one thread for about <paramref name="budget"/>
    /// and returns 2·n³ per multiply over the time taken (the best of the runs, so a scheduler hiccup does not count).
    /// </summary>
    public static double Measure(TimeSpan budget)
    {
        const int n = MatrixSize;
        var a = new float[n * n];
        var b = new float[n * n];
        var c = new float[n * n];
        var random = new Random(1);
        for (int i = 0; i < a.Length; i++)
        {
            a[i] = random.NextSingle();
            b[i] = random.NextSingle();
        }
        Multiply(a, b, c, n); // warm up (JIT, caches)
        double best = double.MaxValue;
        var total = Stopwatch.StartNew();
        do
        {
            long start = Stopwatch.GetTimestamp();
            Multiply(a, b, c, n);
            best = Math.Min(best, Stopwatch.GetElapsedTime(start).TotalSeconds);
        }
        while (total.Elapsed < budget);
        GC.KeepAlive(c);
        return 2.0 * n * n * n / best;
    }

    // Row-by-row axpy form: each row of C accumulates a[i,k]·B[k,:], which TensorPrimitives vectorizes.
    private static void Multiply(float[] a, float[] b, float[] c, int n)
    {
        Array.Clear(c);
        for (int i = 0; i < n; i++)
        {
            var row = c.AsSpan(i * n, n);
            for (int k = 0; k < n; k++)
                TensorPrimitives.MultiplyAdd(b.AsSpan(k * n, n), a[i * n + k], row, row);
        }
    }

    private Dictionary<string, DeviceEntry> ReadCache()
    {
        try
        {
            if (File.Exists(CacheFile))
                return JsonSerializer.Deserialize<Dictionary<string, DeviceEntry>>(File.ReadAllText(CacheFile), JsonOptions) ?? [];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            // A damaged cache is measured again and rewritten.
        }
        return [];
    }

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    private sealed record DeviceEntry(double Flops, DateTimeOffset MeasuredUtc);
}
