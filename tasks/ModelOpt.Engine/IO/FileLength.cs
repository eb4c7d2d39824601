namespace ModelOpt.Engine.IO;

/// <summary>
/// The length of the file a path names, through symbolic links: model caches (Hugging Face's, a
/// repo's <c>.cache/</c>) hand out links to the stored blob, and <see cref="FileInfo.Length"/> of a
/// link is the link's own few bytes, which would make every size figure and check wrong.
/// </summary>
public static class FileLength
{
    public static long Of(string path)
    {
        var info = new FileInfo(path);
        return info.LinkTarget is not null && info.ResolveLinkTarget(returnFinalTarget: true) is FileInfo target ? target.Length : info.Length;
    }
}
