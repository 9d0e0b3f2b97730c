import type { MediarithmicsClient } from './client.ts';
import type { DocumentType, WindowKey } from '../window/window.ts';
import { windowKeyId } from '../window/window.ts';

export interface ImportSettings {
  defaultDatamartId: string;
  /** Configured import id; it applies to the default datamart and the default document type only. */
  configuredImportId: string | undefined;
  defaultDocumentType: DocumentType;
  name: string;
}

const pageSize = 100;

/**
 * Finds the document import of each (datamart, document type): the configured
 * id, else the import with the configured name and the right type, else a new
 * one. Results are cached for the life of the process; a failed lookup is not
 * cached, so the caller's retry looks up again.
 */
export class DocumentImportResolver {
  private readonly client: MediarithmicsClient;
  private readonly settings: ImportSettings;
  private readonly cache = new Map<string, Promise<string>>();

  constructor(client: MediarithmicsClient, settings: ImportSettings) {
    this.client = client;
    this.settings = settings;
  }

  /** True when the import of this destination is already known, so resolving it makes no API request. */
  isKnown(key: WindowKey): boolean {
    return this.cache.has(windowKeyId(key));
  }

  resolve(key: WindowKey): Promise<string> {
    const keyId = windowKeyId(key);
    let pending = this.cache.get(keyId);
    if (!pending) {
      pending = this.lookUp(key);
      this.cache.set(keyId, pending);
      pending.catch(() => this.cache.delete(keyId));
    }
    return pending;
  }

  private async lookUp(key: WindowKey): Promise<string> {
    const { defaultDatamartId, configuredImportId, defaultDocumentType, name } = this.settings;
    if (configuredImportId && key.datamartId === defaultDatamartId && key.documentType === defaultDocumentType) {
      return configuredImportId;
    }

    const found = await this.findByName(key.datamartId, key.documentType, name);
    if (found) return found;

    const created = await this.client.createDocumentImport(key.datamartId, key.documentType, name);
    return created.id;
  }

  private async findByName(datamartId: string, documentType: DocumentType, name: string): Promise<string | undefined> {
    // The keywords filter is a server-side hint; matching is done here on the exact name and type.
    for (let first = 0; ; first += pageSize) {
      const page = await this.client.listDocumentImports(datamartId, name, first, pageSize);
      const match = page.items.find((item) => item.name === name && item.document_type === documentType);
      if (match) return String(match.id);
      if (page.items.length < pageSize) return undefined;
      if (page.total !== undefined && first + pageSize >= page.total) return undefined;
    }
  }
}
