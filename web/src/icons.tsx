/** Inline icons: no emoji, so they look the same without a colour emoji font. */
export function ImageIcon() {
  return (
    <svg className="icon" viewBox="0 0 16 16" aria-hidden="true">
      <rect x="1.5" y="2.5" width="13" height="11" rx="1.5" fill="none" stroke="currentColor" />
      <circle cx="5.5" cy="6" r="1.3" fill="currentColor" />
      <path d="M2.5 12.5l3.5-4 2.5 2.5 2-2 3 3.5z" fill="currentColor" />
    </svg>
  );
}

export function HotelIcon() {
  return (
    <svg className="hotel" viewBox="0 0 32 32" aria-hidden="true">
      <path d="M6 28V7l10-4 10 4v21z" fill="rgba(255,255,255,0.85)" />
      <g fill="rgba(0,0,0,0.35)">
        <rect x="9" y="9" width="3" height="3" />
        <rect x="14.5" y="9" width="3" height="3" />
        <rect x="20" y="9" width="3" height="3" />
        <rect x="9" y="15" width="3" height="3" />
        <rect x="14.5" y="15" width="3" height="3" />
        <rect x="20" y="15" width="3" height="3" />
        <rect x="13.5" y="22" width="5" height="6" />
      </g>
    </svg>
  );
}
