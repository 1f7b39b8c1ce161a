package io.exchangespool.trino;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.exchangespool.protocol.v1.SourceFile;

/** A file of a committed attempt, named by ids the server resolves to a path (never a path itself). */
public record SpoolSourceFile(
        @JsonProperty("sinkId") int sinkId,
        @JsonProperty("attemptId") int attemptId,
        @JsonProperty("fileIndex") int fileIndex,
        @JsonProperty("dataSize") long dataSize)
{
    static final long INSTANCE_SIZE = 32;

    @JsonCreator
    public SpoolSourceFile {}

    static SpoolSourceFile fromProto(SourceFile file)
    {
        return new SpoolSourceFile(file.getSinkId(), file.getAttemptId(), file.getFileIndex(), file.getDataSize());
    }

    SourceFile toProto()
    {
        return SourceFile.newBuilder().setSinkId(sinkId).setAttemptId(attemptId).setFileIndex(fileIndex).setDataSize(dataSize).build();
    }
}
