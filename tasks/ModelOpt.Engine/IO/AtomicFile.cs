namespace ModelOpt.Engine.IO;

/// <summary>
/// Writes files so that a reader never sees half of one: everything goes to a temporary file in
/// the destination folder, and a rename puts it in place only once it is complete.
/// </summary>
public static class AtomicFile
{
    /// <summary>A temporary path beside <paramref name="destination"/> (same folder, so the rename is atomic).</summary>
    public static string TempPathFor(string destination) =>
        Path.Combine(Path.GetDirectoryName(Path.GetFullPath(destination))!, $".{Path.GetFileName(destination)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");

    /// <summary>Writes through <paramref name="write"/> into a temp file, then renames it over <paramref name="destination"/>.</summary>
    public static void Write(string destination, Action<Stream> write)
    {
        string temp = TempPathFor(destination);
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                write(stream);
                stream.Flush(flushToDisk: false);
            }
            File.Move(temp, destination, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    public static void WriteAllText(string destination, string text) =>
        Write(destination, s =>
        {
            using var writer = new StreamWriter(s, new System.Text.UTF8Encoding(false), leaveOpen: true);
            writer.Write(text);
        });

    public static void TryDelete(string path)
    {
        try
        {
            if (File.Exists(path)) File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
