package io.airlift.slice;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static java.util.Objects.checkFromIndexSize;
import static java.util.Objects.requireNonNull;

/**
 * Stub of airlift's heap Slice: only the members whose descriptors are the same in every slice
 * version Trino 476-483 ships.
 */
public final class Slice
{
    private final byte[] base;
    private final int offset;
    private final int length;

    Slice(byte[] base, int offset, int length)
    {
        this.base = requireNonNull(base, "base is null");
        checkFromIndexSize(offset, length, base.length);
        this.offset = offset;
        this.length = length;
    }

    public int length()
    {
        return length;
    }

    public byte[] byteArray()
    {
        return base;
    }

    public int byteArrayOffset()
    {
        return offset;
    }

    public long getRetainedSize()
    {
        return 16L + 16 + base.length;
    }

    public byte getByte(int index)
    {
        checkFromIndexSize(index, 1, length);
        return base[offset + index];
    }

    public byte[] getBytes()
    {
        return Arrays.copyOfRange(base, offset, offset + length);
    }

    public String toStringUtf8()
    {
        return new String(base, offset, length, StandardCharsets.UTF_8);
    }

    @Override
    public boolean equals(Object obj)
    {
        return obj instanceof Slice other && Arrays.equals(base, offset, offset + length, other.base, other.offset, other.offset + other.length);
    }

    @Override
    public int hashCode()
    {
        int hash = 1;
        for (int i = offset; i < offset + length; i++) {
            hash = 31 * hash + base[i];
        }
        return hash;
    }
}
