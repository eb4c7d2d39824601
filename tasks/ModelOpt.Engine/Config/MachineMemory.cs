using System.Globalization;

namespace ModelOpt.Engine.Config;

/// <summary>
/// The memory this process may take from the machine, read once at start: the kernel's
/// <c>MemAvailable</c> (/proc/meminfo: free memory plus the caches it can drop), bounded by what the
/// .NET runtime sees as available (<see cref="GC.GetGCMemoryInfo()"/>: physical memory, or a
/// container's limit). Where /proc/meminfo cannot be read (Windows, macOS), the runtime's figure alone.
/// </summary>
public static class MachineMemory
{
    private static readonly Lazy<long> AtStart = new(Read);

    /// <summary>Bytes available when the process first asked.</summary>
    public static long AvailableBytes => AtStart.Value;

    private static long Read()
    {
        long runtime = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        long? kernel = null;
        try
        {
            if (File.Exists("/proc/meminfo")) kernel = ParseMemAvailable(File.ReadAllText("/proc/meminfo"));
        }
        catch (IOException)
        {
            // Unreadable: the runtime's figure stands.
        }
        catch (UnauthorizedAccessException)
        {
        }
        return kernel is long k && k > 0 && (runtime <= 0 || k < runtime) ? k : runtime;
    }

    /// <summary>The <c>MemAvailable</c> line of /proc/meminfo in bytes, or null when it has none.</summary>
    public static long? ParseMemAvailable(string meminfo)
    {
        foreach (var line in meminfo.Split('\n'))
        {
            if (!line.StartsWith("MemAvailable:", StringComparison.Ordinal)) continue;
            var parts = line["MemAvailable:".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length >= 1 && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out long kib)) return kib * 1024;
        }
        return null;
    }
}
