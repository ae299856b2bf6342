namespace ModelMerge.Formats.Files;

/// <summary>What a path names once links are followed, as far as a reader cares.</summary>
public enum FileKind
{
    Regular,
    Folder,
    Fifo,
    CharacterDevice,
    BlockDevice,
    Socket,
    Other,
}
